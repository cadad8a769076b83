import { describe, expect, test } from 'vitest';
import { ChunkReader, RtmpProtocolError } from './chunk-reader.js';
import { ChunkWriter, MSG } from './chunk-writer.js';

/** chunk builds one chunk by hand: basic header, message header of `fmt`, optional extended timestamp, payload. */
function chunk(
  fmt: 0 | 1 | 2 | 3,
  csid: number,
  h: { ts?: number; len?: number; type?: number; sid?: number; ext?: number },
  payload: Buffer,
): Buffer {
  const parts: Buffer[] = [];
  if (csid < 64) parts.push(Buffer.from([(fmt << 6) | csid]));
  else if (csid < 320) parts.push(Buffer.from([fmt << 6, csid - 64]));
  else parts.push(Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]));
  const mh = Buffer.alloc([11, 7, 3, 0][fmt] as number);
  if (fmt <= 2) mh.writeUIntBE(h.ts ?? 0, 0, 3);
  if (fmt <= 1) {
    mh.writeUIntBE(h.len ?? payload.length, 3, 3);
    mh[6] = h.type ?? MSG.video;
  }
  if (fmt === 0) mh.writeUInt32LE(h.sid ?? 1, 7);
  parts.push(mh);
  if (h.ext !== undefined) {
    const e = Buffer.alloc(4);
    e.writeUInt32BE(h.ext);
    parts.push(e);
  }
  parts.push(payload);
  return Buffer.concat(parts);
}

describe('ChunkReader', () => {
  test('reassembles messages written by ChunkWriter, fed one byte at a time', () => {
    const w = new ChunkWriter();
    const big = Buffer.alloc(1000, 5);
    const bytes = Buffer.concat([w.message(4, MSG.video, 1, big, 40), w.message(5, MSG.audio, 1, Buffer.from([1, 2, 3]), 41)]);
    const r = new ChunkReader();
    const out = [...bytes].flatMap((b) => r.push(Buffer.from([b])));
    expect(out.map((m) => [m.type, m.streamId, m.timestamp, m.payload.length])).toEqual([
      [MSG.video, 1, 40, 1000],
      [MSG.audio, 1, 41, 3],
    ]);
    expect(out[0]?.payload.equals(big)).toBe(true);
  });

  test('interleaved chunk streams, delta timestamps (types 1, 2, 3) and two- and three-byte chunk stream ids', () => {
    const r = new ChunkReader();
    const a = Buffer.alloc(200, 1);
    const out = r.push(
      Buffer.concat([
        chunk(0, 6, { ts: 1000, len: 200 }, a.subarray(0, 128)),
        chunk(0, 100, { ts: 5, type: MSG.audio }, Buffer.from([9])),
        chunk(3, 6, {}, a.subarray(128)),
        chunk(1, 100, { ts: 20, type: MSG.audio }, Buffer.from([8])),
        chunk(2, 100, { ts: 30 }, Buffer.from([7])),
        chunk(3, 100, {}, Buffer.from([6])),
        chunk(0, 400, { ts: 7, type: MSG.dataAmf0 }, Buffer.from([1])),
      ]),
    );
    expect(out.map((m) => [m.type, m.timestamp, m.payload.length])).toEqual([
      [MSG.audio, 5, 1],
      [MSG.video, 1000, 200],
      [MSG.audio, 25, 1],
      [MSG.audio, 55, 1],
      [MSG.audio, 85, 1], // a type-3 header starting a message repeats the last delta
      [MSG.dataAmf0, 7, 1],
    ]);
  });

  test('extended timestamps, also on continuation chunks', () => {
    const r = new ChunkReader();
    const p = Buffer.alloc(130, 3);
    const bytes = Buffer.concat([
      chunk(0, 4, { ts: 0xffffff, len: 130, ext: 0x12345678 }, p.subarray(0, 128)),
      chunk(3, 4, { ext: 0x12345678 }, p.subarray(128)),
    ]);
    const out = r.push(bytes);
    expect(out).toHaveLength(1);
    expect(out[0]?.timestamp).toBe(0x12345678);
    expect(out[0]?.payload.length).toBe(130);
  });

  test('Set Chunk Size applies to the chunks after it; Abort drops a half-read message', () => {
    const r = new ChunkReader();
    const size = Buffer.alloc(4);
    size.writeUInt32BE(4096);
    const big = Buffer.alloc(3000, 4);
    const abort = Buffer.alloc(4);
    abort.writeUInt32BE(8);
    const out = r.push(
      Buffer.concat([
        chunk(0, 2, { type: MSG.setChunkSize, sid: 0 }, size),
        chunk(0, 5, { ts: 1, len: 3000 }, big),
        chunk(0, 8, { ts: 2, len: 5000 }, Buffer.alloc(4096, 1)),
        chunk(0, 2, { type: MSG.abort, sid: 0 }, abort),
        chunk(0, 8, { ts: 3, len: 2 }, Buffer.from([1, 2])),
      ]),
    );
    expect(r.inChunkSize).toBe(4096);
    expect(out.filter((m) => m.type === MSG.video).map((m) => [m.timestamp, m.payload.length])).toEqual([
      [1, 3000],
      [3, 2],
    ]);
  });

  test('zero-length messages complete at once', () => {
    const out = new ChunkReader().push(chunk(0, 3, { ts: 9, len: 0, type: MSG.commandAmf0 }, Buffer.alloc(0)));
    expect(out.map((m) => [m.type, m.payload.length])).toEqual([[MSG.commandAmf0, 0]]);
  });

  test.each<[string, () => Buffer, Partial<ConstructorParameters<typeof ChunkReader>[0]>]>([
    ['a chunk stream that starts without a full header', () => chunk(3, 9, {}, Buffer.from([1])), {}],
    ['a chunk size of 0', () => chunk(0, 2, { type: MSG.setChunkSize, sid: 0 }, Buffer.alloc(4)), {}],
    [
      'more chunk streams than allowed',
      () => Buffer.concat(Array.from({ length: 5 }, (_, i) => chunk(0, 10 + i, { len: 10 }, Buffer.alloc(10)))),
      { maxChunkStreams: 4 },
    ],
    [
      'unfinished messages beyond the byte bound',
      () => Buffer.concat(Array.from({ length: 6 }, (_, i) => chunk(0, 10 + i, { len: 100_000 }, Buffer.alloc(128)))),
      { maxPendingBytes: 512 },
    ],
  ])('refuses %s', (_name, bytes, limits) => {
    expect(() => new ChunkReader(limits).push(bytes())).toThrow(RtmpProtocolError);
  });

  test('a message that announces 16 MB costs nothing until its bytes arrive', () => {
    const r = new ChunkReader({ maxPendingBytes: 1024 });
    expect(r.push(chunk(0, 3, { len: 0xffffff, type: MSG.commandAmf0 }, Buffer.alloc(100)))).toEqual([]);
  });
});

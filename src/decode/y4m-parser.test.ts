import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { Y4mParser, parseY4mHeader } from './y4m-parser.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** frameBytes makes a recognisable frame: byte k of frame f is (f * 31 + k) & 255. */
function frameBytes(f: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, k) => (f * 31 + k) & 255);
}

// 4x2 yuv420p: Y 8 bytes, U 2, V 2 -> 12 bytes a frame.
const HEADER = 'YUV4MPEG2 W4 H2 F30000:1001 Ip A1:1 C420mpeg2 XYSCSS=420MPEG2\n';
const FRAMES = [frameBytes(0, 12), frameBytes(1, 12), frameBytes(2, 12)];
const STREAM = concat([enc(HEADER), ...FRAMES.flatMap((f) => [enc('FRAME\n'), f])]);

function feed(chunks: Uint8Array[]): { frames: Uint8Array[]; parser: Y4mParser } {
  const parser = new Y4mParser();
  const frames = chunks.flatMap((c) => parser.push(c));
  return { frames, parser };
}

describe('parseY4mHeader', () => {
  test.each([
    [
      'YUV4MPEG2 W320 H180 F25:1 Ip A1:1 C420mpeg2 XYSCSS=420MPEG2',
      {
        width: 320,
        height: 180,
        fpsNum: 25,
        fpsDen: 1,
        colorspace: '420mpeg2',
        interlace: 'p',
        aspect: { num: 1, den: 1 },
        extensions: ['YSCSS=420MPEG2'],
        frameSize: 86400,
      },
    ],
    [
      'YUV4MPEG2 W1920 H1080 F30000:1001 It A0:0 C420jpeg',
      { fpsNum: 30000, fpsDen: 1001, interlace: 't', aspect: null, colorspace: '420jpeg', frameSize: 3110400 },
    ],
    ['YUV4MPEG2 W720 H576 F25:1 Ib A16:15 C420paldv', { interlace: 'b', aspect: { num: 16, den: 15 }, colorspace: '420paldv' }],
    ['YUV4MPEG2 W3 H3 F24:1', { colorspace: '420jpeg', interlace: '?', aspect: null, frameSize: 9 + 4 + 4 }],
    ['YUV4MPEG2 W2 H2 F1:1 C420 Zfuture', { colorspace: '420', frameSize: 6 }],
  ])('%s', (line, want) => {
    expect(parseY4mHeader(line)).toMatchObject(want);
  });

  test.each([
    ['YUV4MPEG2 W320 H180 F25:1 C422', 'Y4M_UNSUPPORTED', /C422 is not supported.*yuv420p/],
    ['YUV4MPEG2 W320 H180 F25:1 C444', 'Y4M_UNSUPPORTED', /4:2:0/],
    ['YUV4MPEG2 W320 H180 F25:1 Cmono', 'Y4M_UNSUPPORTED', /Cmono/],
    ['YUV4MPEG2 W320 H180 F25:1 C420p10 XYSCSS=420P10', 'Y4M_UNSUPPORTED', /C420p10/],
    ['YUV4MPEG W320 H180 F25:1', 'Y4M_INVALID', /expected YUV4MPEG2/],
    ['YUV4MPEG2 H180 F25:1', 'Y4M_INVALID', /frame size/],
    ['YUV4MPEG2 W320 H180', 'Y4M_INVALID', /frame rate/],
    ['YUV4MPEG2 W320 H180 F25:0', 'Y4M_INVALID', /not a rate/],
    ['YUV4MPEG2 W-3 H180 F25:1', 'Y4M_INVALID', /width/],
    ['YUV4MPEG2 W320 H180 F25', 'Y4M_INVALID', /N:D/],
    ['YUV4MPEG2 W320 H180 F25:1 Ix', 'Y4M_INVALID', /interlace/],
  ])('refuses %s', (line, code, message) => {
    let err: unknown;
    try {
      parseY4mHeader(line);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UprezError);
    expect((err as UprezError).code).toBe(code);
    expect((err as UprezError).message).toMatch(message);
  });
});

describe('Y4mParser', () => {
  test('the whole stream in one chunk gives every frame, header first', () => {
    const { frames, parser } = feed([STREAM]);
    expect(parser.header).toMatchObject({ width: 4, height: 2, fpsNum: 30000, fpsDen: 1001 });
    expect(frames).toEqual(FRAMES);
    expect(parser.end()).toBeNull();
  });

  test('every split point into two chunks gives the same frames', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      const { frames, parser } = feed([STREAM.subarray(0, i), STREAM.subarray(i)]);
      expect(frames, `split at ${i}`).toEqual(FRAMES);
      expect(parser.end()).toBeNull();
    }
  });

  test('every pair of split points into three chunks gives the same frames', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const { frames } = feed([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
        expect(frames.length, `split at ${i},${j}`).toBe(3);
        expect(frames[2], `split at ${i},${j}`).toEqual(FRAMES[2]);
      }
    }
  });

  test('one byte at a time, and frames come out as soon as they complete', () => {
    const parser = new Y4mParser();
    const completedAt: number[] = [];
    STREAM.forEach((b, k) => {
      if (parser.push(Uint8Array.of(b)).length) completedAt.push(k);
    });
    const first = HEADER.length + 6 + 12 - 1;
    expect(completedAt).toEqual([first, first + 18, first + 36]);
  });

  test('frames are fresh copies: reusing the input chunk does not change them, and they share no memory', () => {
    const chunk = Uint8Array.from(STREAM);
    const frames = new Y4mParser().push(chunk);
    chunk.fill(0);
    expect(frames).toEqual(FRAMES);
    expect(frames[0]?.buffer).not.toBe(frames[1]?.buffer);
    expect(frames[0]?.buffer).not.toBe(chunk.buffer);
    expect(frames[0]?.byteLength).toBe(12);
    expect(frames[0]?.buffer.byteLength).toBe(12);
  });

  test('FRAME markers with parameters are accepted', () => {
    const s = concat([enc(HEADER), enc('FRAME Ip XFOO=1\n'), FRAMES[0] as Uint8Array]);
    expect(feed([s]).frames).toEqual([FRAMES[0]]);
  });

  test.each([
    ['mid frame data', STREAM.length - 5, { bytes: 7, where: 'frame-data' }],
    ['right after a FRAME marker', HEADER.length + 18 + 6, { bytes: 0, where: 'frame-data' }],
    ['mid FRAME marker', HEADER.length + 18 + 3, { bytes: 3, where: 'frame-header' }],
    ['mid stream header', 10, { bytes: 10, where: 'stream-header' }],
  ])('partial data at the end is reported, not emitted (%s)', (_name, cut, leftover) => {
    const { frames, parser } = feed([STREAM.subarray(0, cut)]);
    expect(frames.every((f) => f.length === 12)).toBe(true);
    expect(parser.end()).toEqual(leftover);
  });

  test('a missing FRAME marker is an error, and the parser stays failed', () => {
    const parser = new Y4mParser();
    const bad = concat([enc(HEADER), enc('FRAMX\n')]);
    expect(() => parser.push(bad)).toThrow(/FRAME marker/);
    expect(() => parser.push(enc('FRAME\n'))).toThrow(/FRAME marker/);
  });

  test('a stream that is not y4m fails fast instead of buffering forever', () => {
    const parser = new Y4mParser();
    expect(() => parser.push(new Uint8Array(4096).fill(65))).toThrow(/longer than 1024 bytes/);
  });

  test('a non-4:2:0 stream is refused with a clear error', () => {
    expect(() => new Y4mParser().push(enc('YUV4MPEG2 W4 H2 F25:1 C444\n'))).toThrow(/C444 is not supported/);
  });
});

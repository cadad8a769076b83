import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { BoxSplitter, type Box } from './fmp4-boxes.js';
import { isSync, parseFragment, writeFragment, type Sample } from './fmp4-fragment.js';
import { parseInit } from './fmp4-init.js';

// ffmpeg 5.1's own output (test/fixtures/hls/README.md has the command): 64x64 H.264 High at
// 25 fps, 60 frames, keyframes forced at 0 and 2 s, AAC-LC stereo 48 kHz, one fragment per packet.
const FIXTURE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/hls/ffmpeg-frag.mp4'));

function split(bytes: Buffer, chunk: number): Box[] {
  const s = new BoxSplitter();
  const out: Box[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...s.push(bytes.subarray(i, i + chunk)));
  expect(s.pending).toBe(0);
  return out;
}

function samplesOf(boxes: Box[]): Sample[] {
  const init = parseInit(boxes.find((b) => b.type === 'moov') as Box);
  const out: Sample[] = [];
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i] as Box;
    if (b.type === 'moof') out.push(...parseFragment(b, boxes[i + 1] as Box, init));
  }
  return out;
}

describe('BoxSplitter', () => {
  test.each([1, 7, 188, 4096, 1 << 20])('cuts the stream into the same top-level boxes whatever the chunk size (%i bytes)', (chunk) => {
    const boxes = split(FIXTURE, chunk);
    expect(boxes.map((b) => b.type).slice(0, 4)).toEqual(['ftyp', 'moov', 'moof', 'mdat']);
    expect(Buffer.concat(boxes.map((b) => b.bytes)).equals(FIXTURE)).toBe(true);
  });

  test('keeps an incomplete box pending and refuses impossible sizes', () => {
    const s = new BoxSplitter();
    expect(s.push(FIXTURE.subarray(0, 30))).toHaveLength(1); // ftyp is 28 bytes
    expect(s.pending).toBe(2);
    expect(() => new BoxSplitter().push(Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66]))).toThrow(/less than its header/);
    expect(() => new BoxSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x6d, 0x64, 0x61, 0x74]))).toThrow(/larger than/);
  });
});

describe('parseInit', () => {
  test('reads both tracks with the codec strings ffprobe reports (High, level 1.0; AAC-LC)', () => {
    const init = parseInit(split(FIXTURE, 4096)[1] as Box);
    expect(init.tracks.map((t) => ({ kind: t.kind, codec: t.codec, width: t.width, height: t.height }))).toEqual([
      { kind: 'video', codec: 'avc1.64000a', width: 64, height: 64 },
      { kind: 'audio', codec: 'mp4a.40.2', width: undefined, height: undefined },
    ]);
    expect(init.tracks.map((t) => t.timescale)).toEqual([12800, 48000]);
  });
});

describe('parseFragment', () => {
  const samples = samplesOf(split(FIXTURE, 4096));
  const video = samples.filter((s) => s.trackId === 1);
  const audio = samples.filter((s) => s.trackId === 2);

  test('every packet ffprobe counts, with contiguous decode times (but for the encoder flush at the end)', () => {
    expect(video).toHaveLength(60);
    expect(audio).toHaveLength(114);
    // AAC's last packets (the encoder's flush at EOF) carry a gap and a zero duration in ffmpeg 5.1's output.
    for (const track of [video, audio.slice(0, -2)]) {
      for (let i = 1; i < track.length; i++)
        expect((track[i] as Sample).dts).toBe((track[i - 1] as Sample).dts + (track[i - 1] as Sample).duration);
    }
    expect(audio.slice(-3).map((s) => [s.dts, s.duration])).toEqual([
      [113664, 1024],
      [115712, 0],
      [115712, 512],
    ]);
    // 12800 / 25 = 512 a frame; ffmpeg stretches the first frame by AAC's priming (1024 / 48000 s = 274 ticks).
    expect(video.map((s) => s.duration)).toEqual([786, ...Array<number>(59).fill(512)]);
    expect(audio[0]?.duration).toBe(1024);
  });

  test('keyframes are the forced ones: frames 0 and 50', () => {
    expect(video.flatMap((s, i) => (isSync(s) ? [i] : []))).toEqual([0, 50]);
  });

  test('sample data are the H.264 access units (AVCC length-prefixed NAL units filling each sample)', () => {
    for (const s of video) {
      let off = 0;
      while (off < s.data.length) off += 4 + s.data.readUInt32BE(off);
      expect(off).toBe(s.data.length);
    }
  });
});

describe('writeFragment', () => {
  test('regrouping every sample into fragments of 6 frames keeps the bytes, decode times and flags', () => {
    const boxes = split(FIXTURE, 4096);
    const samples = samplesOf(boxes);
    const video = samples.filter((s) => s.trackId === 1);
    const audio = samples.filter((s) => s.trackId === 2);
    const out: Buffer[] = [];
    for (let i = 0, a = 0, seq = 1; i < video.length; i += 6, seq++) {
      const v = video.slice(i, i + 6);
      const end = ((v[v.length - 1] as Sample).dts + 512) / 12800;
      const from = a;
      while (a < audio.length && (audio[a] as Sample).dts / 48000 < end) a++;
      out.push(
        writeFragment(seq, [
          { trackId: 1, samples: v },
          { trackId: 2, samples: audio.slice(from, a) },
        ]),
      );
    }
    const again = samplesOf(split(Buffer.concat([(boxes[0] as Box).bytes, (boxes[1] as Box).bytes, ...out]), 999));
    expect(again.filter((s) => s.trackId === 1).map(strip)).toEqual(video.map(strip));
    expect(again.filter((s) => s.trackId === 1).map((s) => s.duration)).toEqual(video.map((s) => s.duration));
    expect(again.filter((s) => s.trackId === 2).map(strip)).toEqual(audio.map(strip));
  });
});

function strip(s: Sample): object {
  return { dts: s.dts, flags: s.flags, cto: s.cto, data: s.data.toString('base64') };
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { BoxSplitter, type Box } from './fmp4-boxes.js';
import { isSync, parseFragment, type Sample } from './fmp4-fragment.js';
import { parseInit, type InitInfo } from './fmp4-init.js';
import { PartCutter } from './part-cutter.js';

// ffmpeg 5.1 output, one fragment per packet: 60 frames at 25 fps, keyframes at 0 and 50, AAC.
const FIXTURE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/hls/ffmpeg-frag.mp4'));

function read(bytes: Buffer): { init: InitInfo; samples: Sample[]; fragments: Sample[][] } {
  const boxes = new BoxSplitter().push(bytes);
  const init = parseInit(boxes.find((b) => b.type === 'moov') as Box);
  const fragments: Sample[][] = [];
  boxes.forEach((b, i) => {
    if (b.type === 'moof') fragments.push(parseFragment(b, boxes[i + 1] as Box, init));
  });
  return { init, samples: fragments.flat(), fragments };
}

const { init, samples, fragments } = read(FIXTURE);
const header = Buffer.concat(
  new BoxSplitter()
    .push(FIXTURE)
    .slice(0, 2)
    .map((b) => b.bytes),
);

function cut(partFrames: number) {
  const cutter = new PartCutter(init, { partFrames, fpsNum: 25, fpsDen: 1, frameTime: (n) => 1_000_000 + n * 40 });
  const parts = fragments.flatMap((f) => cutter.push(f));
  return [...parts, ...cutter.flush()];
}

test('parts of 6 frames; the part before a keyframe ends its segment however short; the last one is flushed', () => {
  const parts = cut(6);
  expect(parts.map((p) => Math.round(p.duration * 25))).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 2, 6, 4]);
  expect(parts.map((p) => p.startsSegment)).toEqual([true, false, false, false, false, false, false, false, false, true, false]);
  expect(parts.map((p) => Boolean(p.endsSegment))).toEqual([false, false, false, false, false, false, false, false, true, false, true]);
  expect(parts.map((p) => p.programDateTime)).toEqual([0, 6, 12, 18, 24, 30, 36, 42, 48, 50, 56].map((n) => 1_000_000 + n * 40));
  // No part is longer than PART-TARGET (6 frames), not even the first (ffmpeg stretches its first frame).
  expect(Math.max(...parts.map((p) => p.duration))).toBeCloseTo(0.24, 9);
});

test('the parts, read back as one file, hold every sample with its bytes and keyframe flags', () => {
  const again = read(Buffer.concat([header, ...cut(6).map((p) => p.data)])).samples;
  const strip = (s: Sample) => ({ track: s.trackId, sync: isSync(s), data: s.data.toString('base64') });
  const video = (xs: Sample[]) => xs.filter((s) => s.trackId === 1);
  expect(video(again).map(strip)).toEqual(video(samples).map(strip));
  // Video keeps its timing (the first frame re-dated to where ffmpeg's stretch ends).
  expect(video(again).map((s) => s.dts)).toEqual(video(samples).map((s, i) => (i === 0 ? 274 : s.dts)));
  const audio = (xs: Sample[]) => xs.filter((s) => s.trackId === 2);
  expect(audio(again).map((s) => [s.dts, s.data.toString('base64')])).toEqual(
    audio(samples).map((s) => [s.dts, s.data.toString('base64')]),
  );
});

test('each part is a self-contained moof + mdat with increasing sequence numbers', () => {
  const parts = cut(6);
  parts.forEach((p, i) => {
    const boxes = new BoxSplitter().push(p.data);
    expect(boxes.map((b) => b.type)).toEqual(['moof', 'mdat']);
    expect((boxes[0] as Box).bytes.readUInt32BE(20)).toBe(i + 1); // mfhd sequence_number
  });
});

test('one frame per part (1 fps streams): a part per frame, keyframes still start segments', () => {
  const parts = cut(1);
  expect(parts).toHaveLength(60);
  expect(parts.flatMap((p, i) => (p.startsSegment ? [i] : []))).toEqual([0, 50]);
});

import { describe, expect, test } from 'vitest';
import { buildLadder, evenDown, videoBitrateFor } from './ladder.js';

const src = (width: number, height: number, fpsNum = 25, fpsDen = 1) => ({ width, height, fpsNum, fpsDen });

describe('buildLadder', () => {
  test('scale 2 of 640x360 gives 1280x720 and 640x360', () => {
    const l = buildLadder(src(640, 360, 30), 2, true);
    expect(l.map((r) => [r.name, r.width, r.height])).toEqual([
      ['720p', 1280, 720],
      ['360p', 640, 360],
    ]);
    expect(l[0]).toMatchObject({
      videoBitrate: 2_800_000,
      bufsize: 5_600_000,
      audioBitrate: 128_000,
      level: '3.1',
      codecs: 'avc1.64001f,mp4a.40.2',
    });
    expect(l[0]?.bandwidth).toBe(Math.floor((2_800_000 + 128_000) * 1.1));
  });

  test('the test clip: 320x180 x2 at 25 fps', () => {
    const l = buildLadder(src(320, 180), 2, true);
    expect(l.map((r) => `${r.name} ${r.width}x${r.height} ${r.codecs}`)).toEqual([
      '360p 640x360 avc1.64001e,mp4a.40.2',
      '180p 320x180 avc1.64000c,mp4a.40.2',
    ]);
  });

  test.each([
    ['even', src(640, 360), 2],
    ['odd source', src(321, 181), 2],
    ['odd source, odd scale', src(321, 181), 3],
    ['odd upscaled width', src(427, 240), 3],
    ['NTSC rate', src(720, 480, 30000, 1001), 2],
    ['4x', src(480, 270, 60), 4],
  ])('%s: sizes even, bitrates strictly decreasing, names unique', (_name, source, scale) => {
    const l = buildLadder(source, scale, false);
    expect(l).toHaveLength(2);
    for (const r of l) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
      expect(r.audioBitrate).toBeNull();
      expect(r.codecs).toMatch(/^avc1\.6400[0-9a-f]{2}$/);
      expect(r.bandwidth).toBe(r.videoBitrate + Math.floor(r.videoBitrate / 10));
    }
    expect(l[0]?.width).toBe(evenDown(source.width * scale));
    expect(l[1]?.width).toBe(evenDown(source.width));
    expect(l[0]!.videoBitrate).toBeGreaterThan(l[1]!.videoBitrate);
    expect(new Set(l.map((r) => r.name)).size).toBe(l.length);
  });

  test.each([
    [1, [150_000, 100_000]],
    [0.5, [150_000, 100_000]],
    [25, [860_000, 310_000]],
  ])("at %s fps the rungs keep distinct bitrates (the curve's minimum would make them equal)", (fps, want) => {
    expect(buildLadder(src(320, 180, fps * 2, 2), 2, true).map((r) => r.videoBitrate)).toEqual(want);
  });

  test('odd sizes round down to even', () => {
    const l = buildLadder(src(321, 181), 3, true);
    expect(l.map((r) => `${r.width}x${r.height}`)).toEqual(['962x542', '320x180']);
  });

  test('a 1x1 source rounds up to the 2x2 minimum, so both rungs coincide and there is one', () => {
    expect(buildLadder(src(1, 1), 2, false).map((r) => `${r.width}x${r.height}`)).toEqual(['2x2']);
  });

  test('scale 1 gives a single rung at the source size', () => {
    expect(buildLadder(src(1280, 720), 1, true).map((r) => r.name)).toEqual(['720p']);
  });

  test.each([
    [0, /positive integer/],
    [1.5, /positive integer/],
    [-2, /positive integer/],
  ])('scale %s is refused', (scale, msg) => {
    expect(() => buildLadder(src(640, 360), scale, true)).toThrow(msg);
  });

  test('a broken source is refused', () => {
    expect(() => buildLadder(src(0, 360), 2, true)).toThrow(/size/);
    expect(() => buildLadder(src(640, 360, 0, 1), 2, true)).toThrow(/frame rate/);
  });
});

describe('videoBitrateFor', () => {
  test.each([
    [1280, 720, 30, 2_800_000],
    [640, 360, 30, 990_000],
    [1920, 1080, 30, 5_140_000],
    [32, 32, 25, 150_000],
  ])('%ix%i@%i -> %i', (w, h, fps, want) => {
    expect(videoBitrateFor(w, h, fps)).toBe(want);
  });

  test('is monotonic in pixel rate', () => {
    let last = 0;
    for (const [w, h] of [
      [160, 90],
      [320, 180],
      [640, 360],
      [960, 540],
      [1280, 720],
      [1920, 1080],
      [2560, 1440],
      [3840, 2160],
    ] as const) {
      const b = videoBitrateFor(w, h, 30);
      expect(b).toBeGreaterThan(last);
      last = b;
    }
  });
});

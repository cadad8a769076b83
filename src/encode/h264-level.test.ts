import { describe, expect, test } from 'vitest';
import { avc1HighCodec, h264HighLevel } from './h264-level.js';

describe('h264HighLevel', () => {
  // Expectations checked against the levels x264 picks by itself for the same streams.
  test.each([
    [320, 180, 25, 300_000, 600_000, '1.2', 'avc1.64000c'],
    [320, 180, 25, 500_000, 1_000_000, '1.3', 'avc1.64000d'],
    [640, 360, 25, 1_500_000, 3_000_000, '3', 'avc1.64001e'],
    [640, 360, 30, 1_000_000, 2_000_000, '3', 'avc1.64001e'],
    [1280, 720, 30, 2_800_000, 5_600_000, '3.1', 'avc1.64001f'],
    [1280, 720, 60, 4_700_000, 9_400_000, '3.2', 'avc1.640020'],
    [1920, 1080, 30, 5_000_000, 10_000_000, '4', 'avc1.640028'],
    [1920, 1080, 60, 8_000_000, 16_000_000, '4.2', 'avc1.64002a'],
    [3840, 2160, 30, 15_000_000, 30_000_000, '5.1', 'avc1.640033'],
    [3840, 2160, 60, 25_000_000, 50_000_000, '5.2', 'avc1.640034'],
  ])('%ix%i@%i %i bit/s -> %s', (w, h, fps, rate, buf, name, codec) => {
    const level = h264HighLevel(w, h, fps, rate, buf);
    expect(level.name).toBe(name);
    expect(avc1HighCodec(level)).toBe(codec);
  });

  test('a very wide frame needs a level whose max dimension allows it', () => {
    // 2048x64: 128x4 = 512 MBs fits 2.1 by area, but 128 MBs wide needs sqrt(8*MaxFS) >= 128,
    // i.e. MaxFS >= 2048: 3.1 (3600) is the first level that allows it.
    expect(h264HighLevel(2048, 64, 25, 500_000, 1_000_000).name).toBe('3.1');
  });

  test('too much for any level is an error, not a silent wrong level', () => {
    expect(() => h264HighLevel(16384, 16384, 120, 1e9, 1e9)).toThrow(/exceeds every H.264 level/);
  });
});

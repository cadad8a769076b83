import { describe, expect, test } from 'vitest';
import { averageSegmentBitrate, peakBandwidthBound, peakSegmentBitrate } from './bandwidth.js';

const rates = { videoMaxrate: 1_000_000, vbvBufsize: 1_000_000, audioBitrate: 128_000, fps: 25 };

describe('peakBandwidthBound', () => {
  test('video: maxrate + VBV over the window; audio with its margin; container overhead on top', () => {
    const fmp4 = peakBandwidthBound(rates, 2, 'fmp4', 25 / 6);
    // 1.5 Mbit/s of video, 140.8 kbit/s of audio, then moofs and trun entries.
    expect(fmp4).toBe(Math.ceil(1_500_000 + 140_800 + ((25 / 6) * 200 + (25 + 48_000 / 1024) * 16) * 8));
    const ts = peakBandwidthBound(rates, 2, 'mpegts');
    expect(ts).toBeGreaterThan(fmp4); // 188/184 and PES/PSI packets cost more than moofs
    expect(ts).toBeLessThan(1.25 * fmp4);
  });

  test.each([
    [1, 2_000_000],
    [2, 1_500_000],
    [4, 1_250_000],
  ])('a window of %s s allows maxrate + bufsize / %s of video', (window, video) => {
    const noAudio = { ...rates, audioBitrate: null };
    expect(peakBandwidthBound(noAudio, window, 'fmp4')).toBe(Math.ceil(video + 25 * 16 * 8));
  });

  test('a window must be positive', () => {
    expect(() => peakBandwidthBound(rates, 0, 'fmp4')).toThrow(/windowSeconds/);
  });
});

describe('peakSegmentBitrate (RFC 8216: runs of 0.5-1.5 target durations)', () => {
  test.each([
    ['one segment of the target duration', [{ bytes: 250_000, duration: 2 }], 1_000_000],
    [
      'a short tail counts only together with the segment before it',
      [
        { bytes: 250_000, duration: 2 },
        { bytes: 100_000, duration: 0.5 },
      ],
      1_120_000,
    ],
    [
      'a tail of half the target duration counts alone',
      [
        { bytes: 250_000, duration: 2 },
        { bytes: 200_000, duration: 1 },
      ],
      1_600_000,
    ],
    ['nothing long enough', [{ bytes: 1_000, duration: 0.2 }], 0],
  ])('%s', (_n, segments, want) => {
    expect(peakSegmentBitrate(segments, 2)).toBe(want);
  });

  test('average: total size over total duration', () => {
    expect(
      averageSegmentBitrate([
        { bytes: 250_000, duration: 2 },
        { bytes: 50_000, duration: 1 },
      ]),
    ).toBe(800_000);
    expect(averageSegmentBitrate([])).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { MediaProbe } from '../ffmpeg/probe.js';
import { denoiseLevelOfProbe } from './file-denoise-level.js';

const h264 = (bitRate: number | undefined, extra: Partial<MediaProbe['format']> = {}): MediaProbe => ({
  streams: [
    { index: 0, codecType: 'video', codecName: 'h264', width: 1280, height: 720, fps: 30, ...(bitRate !== undefined ? { bitRate } : {}) },
    { index: 1, codecType: 'audio', codecName: 'aac', bitRate: 128_000 },
  ],
  format: extra,
});

describe('denoiseLevelOfProbe', () => {
  // 1280x720x30 = 27.6 Mpx/s: 0.3 bpp ~ CRF 18, 0.09 ~ CRF 23, 0.036 ~ CRF 28, 0.024 ~ CRF 33 (DEFAULT_DENOISE_CALIBRATION).
  it.each([
    [8_300_000, 0],
    [2_500_000, 1],
    [1_000_000, 2],
    [650_000, 3],
  ] as const)('H.264 720p30 at %i b/s -> level %i', (rate, level) => {
    const got = denoiseLevelOfProbe(h264(rate));
    expect(got.level).toBe(level);
    expect(got.bitsPerPixel).toBeCloseTo(rate / (1280 * 720 * 30), 6);
    expect(got.reason).toMatch(/\(stream\)/);
  });

  it("uses the container's bitrate less the audio when the stream has none", () => {
    const got = denoiseLevelOfProbe(h264(undefined, { bitRate: 1_128_000 }));
    expect(got.bitsPerPixel).toBeCloseTo(1_000_000 / (1280 * 720 * 30), 6);
    expect(got.reason).toMatch(/\(container\)/);
  });

  it('other codecs, missing bitrates and audio-only files are level 0 with a reason', () => {
    const hevc: MediaProbe = {
      streams: [{ index: 0, codecType: 'video', codecName: 'hevc', width: 64, height: 64, fps: 25, bitRate: 1000 }],
      format: {},
    };
    expect(denoiseLevelOfProbe(hevc)).toEqual({ level: 0, reason: expect.stringMatching(/hevc.*only H.264/) });
    expect(denoiseLevelOfProbe(h264(undefined)).reason).toMatch(/without a bitrate/);
    expect(denoiseLevelOfProbe({ streams: [], format: {} }).reason).toMatch(/no video/);
  });
});

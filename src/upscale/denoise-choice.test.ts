import { describe, expect, test } from 'vitest';
import {
  bitsPerPixel,
  crfEquivalent,
  DEFAULT_DENOISE_CALIBRATION,
  DenoiseChooser,
  INITIAL_DENOISE_STATE,
  levelForCrf,
  levelForSample,
  stepDenoise,
  type CompressionSample,
  type DenoiseCalibration,
  type DenoiseLevel,
  type DenoiseState,
} from './denoise-choice.js';

// A calibration with round numbers, so the tables below read directly: CRF-equivalent = QP, and
// from bits per pixel 10 - 4 * log2(bpp) between 1 and 1/64 bpp (0.25 bpp -> 18, 0.0625 -> 26, 1/32 -> 30).
const cal: DenoiseCalibration = {
  bppKnots: [
    [1, 10],
    [0.25, 18],
    [1 / 64, 34],
  ],
  qpSlope: 1,
  qpIntercept: 0,
  boundaries: [20, 25, 30],
};

describe('bitsPerPixel', () => {
  test.each([
    [1_000_000, 640, 360, 30, 1_000_000 / (640 * 360 * 30)],
    [2_500_000, 1280, 720, 25, 2_500_000 / (1280 * 720 * 25)],
  ])('%d b/s at %dx%d, %d fps', (bitrate, w, h, fps, want) => {
    expect(bitsPerPixel(bitrate, w, h, fps)).toBeCloseTo(want, 12);
  });

  test.each([
    [0, 640, 360, 30],
    [1e6, 0, 360, 30],
    [1e6, 640, -1, 30],
    [1e6, 640, 360, Number.NaN],
    [Number.POSITIVE_INFINITY, 640, 360, 30],
  ])('rejects %d b/s, %dx%d, %d fps with a coded error', (bitrate, w, h, fps) => {
    expect(() => bitsPerPixel(bitrate, w, h, fps)).toThrow(expect.objectContaining({ code: 'DENOISE_INPUT_INVALID' }));
  });
});

describe('crfEquivalent and levelForCrf (no hysteresis)', () => {
  test.each<[CompressionSample, number | null]>([
    [{ qp: 23 }, 23],
    [{ qp: 23, bitsPerPixel: 0.25 }, 23], // the QP wins when both are measured
    [{ bitsPerPixel: 0.25 }, 18],
    [{ bitsPerPixel: 1 / 32 }, 30],
    [{ qp: Number.NaN, bitsPerPixel: 0.0625 }, 26], // an unusable QP falls back to bits per pixel
    [{ bitsPerPixel: 4 }, 10], // clamped to the end knots
    [{ bitsPerPixel: 0.001 }, 34],
    [{ qp: -1 }, null],
    [{ bitsPerPixel: 0 }, null],
    [{}, null],
  ])('%j -> %s', (sample, want) => {
    const got = crfEquivalent(sample, cal);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 9);
  });

  test.each<[number, DenoiseLevel]>([
    [0, 0],
    [19.99, 0],
    [20, 1],
    [24.9, 1],
    [25, 2],
    [29.9, 2],
    [30, 3],
    [51, 3],
  ])('CRF-equivalent %d -> level %d', (crf, level) => {
    expect(levelForCrf(crf, cal.boundaries)).toBe(level);
  });

  test('levelForSample: null when nothing was measured', () => {
    expect(levelForSample({}, cal)).toBeNull();
    expect(levelForSample({ qp: 27 }, cal)).toBe(2);
  });

  test('the default calibration: its knots map back to their CRFs, and more bits per pixel to a lighter level', () => {
    for (const [bpp, crf] of DEFAULT_DENOISE_CALIBRATION.bppKnots) expect(crfEquivalent({ bitsPerPixel: bpp })).toBeCloseTo(crf, 9);
    const levels = [0.5, 0.2, 0.1, 0.05, 0.02, 0.01].map((bpp) => levelForSample({ bitsPerPixel: bpp }));
    expect([...levels].sort()).toEqual(levels);
    expect(levels[0]).toBe(0);
    expect(levels.at(-1)).toBe(3);
    expect([18, 23, 28, 33].map((qp) => levelForSample({ qp }, DEFAULT_DENOISE_CALIBRATION))).toEqual([0, 1, 2, 3]);
  });
});

/** run feeds QPs one by one and returns the level after each. */
function run(qps: readonly (number | undefined)[], dwellSamples = 3, margin = 1.5): (DenoiseLevel | null)[] {
  let s: DenoiseState = INITIAL_DENOISE_STATE;
  return qps.map((qp) => {
    s = stepDenoise(s, qp === undefined ? {} : { qp }, { calibration: cal, margin, dwellSamples });
    return s.level;
  });
}

describe('stepDenoise hysteresis', () => {
  test.each<[string, (number | undefined)[], (DenoiseLevel | null)[]]>([
    ['the first sample sets the level at once', [27], [2]],
    ['nothing measured yet: no level', [undefined, undefined, 22], [null, null, 1]],
    ['steady input stays put', [22, 22, 22, 22], [1, 1, 1, 1]],
    ['hovering at a boundary does not flap', [24, 25.5, 24.5, 26, 24, 26.4, 25], [1, 1, 1, 1, 1, 1, 1]],
    ['past the boundary by the margin for 3 samples: one step up', [22, 27, 27, 27, 27], [1, 1, 1, 2, 2]],
    ['an interrupted run starts over', [22, 27, 27, 22, 27, 27, 27], [1, 1, 1, 1, 1, 1, 2]],
    ['a big jump goes straight to the level the latest sample asks for', [18, 35, 36, 37], [0, 0, 0, 3]],
    ['down needs the margin below the boundary too', [27, 24, 24, 24, 23, 23, 23], [2, 2, 2, 2, 2, 2, 1]],
    ['unmeasured samples neither count nor reset', [22, 27, undefined, 27, 27], [1, 1, 1, 1, 2]],
    ['a run that changes target but not direction still counts', [18, 23, 27, 33], [0, 0, 0, 3]],
  ])('%s', (_name, qps, want) => {
    expect(run(qps)).toEqual(want);
  });

  test('dwellSamples 1 and margin 0: follows every sample', () => {
    expect(run([18, 23, 28, 33, 28, 23, 18], 1, 0)).toEqual([0, 1, 2, 3, 2, 1, 0]);
  });

  test('rejects bad options with a coded error', () => {
    const bad = [
      { dwellSamples: 0 },
      { margin: -1 },
      { calibration: { ...cal, boundaries: [25, 20, 30] as const } },
      { calibration: { ...cal, bppKnots: [] } },
      {
        calibration: {
          ...cal,
          bppKnots: [
            [0.1, 20],
            [0.2, 25],
          ] as const,
        },
      },
    ];
    for (const o of bad)
      expect(() => stepDenoise(INITIAL_DENOISE_STATE, { qp: 20 }, o)).toThrow(expect.objectContaining({ code: 'DENOISE_INPUT_INVALID' }));
  });
});

describe('DenoiseChooser', () => {
  test('says its fallback level until something is measured, then follows the samples with hysteresis', () => {
    const c = new DenoiseChooser({ calibration: cal, dwellSamples: 2 }, 1);
    expect(c.level).toBe(1);
    expect(c.update({})).toBe(1);
    expect(c.update({ bitsPerPixel: 0.25 })).toBe(0); // CRF-equivalent 18
    expect(c.update({ qp: 33 })).toBe(0);
    expect(c.snapshot).toEqual({ level: 0, candidate: 3, streak: 1 });
    expect(c.update({ qp: 33 })).toBe(3);
  });
});

import { describe, expect, test } from 'vitest';
import { gaussianWindow1d, ssim } from './ssim.js';

const plane = (w: number, h: number, f: (x: number, y: number) => number): Float64Array =>
  Float64Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

describe('gaussianWindow1d', () => {
  test('is normalised, symmetric and peaks in the middle', () => {
    const w = gaussianWindow1d();
    expect(w.length).toBe(11);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    for (let i = 0; i < 5; i++) expect(w[i]).toBeCloseTo(w[10 - i] as number, 15);
    expect((w[5] as number) / (w[6] as number)).toBeCloseTo(Math.exp(1 / (2 * 1.5 * 1.5)), 12);
  });
});

describe('ssim', () => {
  const textured = plane(24, 20, (x, y) => (x * 37 + y * 91 + ((x * y) % 7) * 13) % 256);
  const region = { width: 24, height: 20, shave: 2 };

  test('identical images score 1', () => {
    expect(ssim(textured, textured, region)).toBeCloseTo(1, 12);
  });

  test('two flat images reduce to the luminance term (hand-computed)', () => {
    const c1 = (0.01 * 255) ** 2;
    const expected = (2 * 100 * 110 + c1) / (100 * 100 + 110 * 110 + c1);
    expect(
      ssim(
        plane(15, 15, () => 100),
        plane(15, 15, () => 110),
        { width: 15, height: 15, shave: 0 },
      ),
    ).toBeCloseTo(expected, 12);
  });

  test('is symmetric and falls as noise grows', () => {
    const smooth = plane(24, 20, (x, y) => 128 + 30 * Math.sin(x / 3) * Math.cos(y / 4));
    const noise = (amp: number) => smooth.map((v, i) => v + amp * ((((i * 7919) % 21) - 10) / 10));
    const scores = [2, 8, 32].map((amp) => ssim(smooth, noise(amp), region));
    expect(scores[0]).toBeLessThan(1);
    expect(scores[1]).toBeLessThan(scores[0] as number);
    expect(scores[2]).toBeLessThan(scores[1] as number);
    expect(scores[2]).toBeLessThan(0.5);
    expect(ssim(noise(8), smooth, region)).toBeCloseTo(scores[1] as number, 12);
  });

  test('needs an 11x11 area after the shave', () => {
    expect(() => ssim(textured, textured, { width: 24, height: 20, shave: 5 })).toThrow(/at least 11x11/);
  });
});

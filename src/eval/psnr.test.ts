import { describe, expect, test } from 'vitest';
import { mseShaved, psnr } from './psnr.js';

const plane = (w: number, h: number, f: (x: number, y: number) => number): Uint8Array =>
  Uint8Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

describe('psnr', () => {
  const a = plane(8, 6, (x, y) => 10 * x + y);
  test.each([
    ['off by 1 everywhere', plane(8, 6, (x, y) => 10 * x + y + 1), 0, 10 * Math.log10(255 * 255)],
    ['off by 10 everywhere', plane(8, 6, (x, y) => 10 * x + y + 10), 0, 10 * Math.log10((255 * 255) / 100)],
    ['off by 2 on half the pixels', plane(8, 6, (x, y) => 10 * x + y + (x % 2 ? 2 : 0)), 0, 10 * Math.log10((255 * 255) / 2)],
    ['errors only on the shaved border', plane(8, 6, (x, y) => 10 * x + y + (x === 0 || y === 5 ? 50 : 0)), 1, Infinity],
    ['identical', a, 2, Infinity],
  ])('%s', (_name, b, shave, expected) => {
    expect(psnr(a, b, { width: 8, height: 6, shave })).toBeCloseTo(expected, 10);
  });

  test('the shave removes exactly `shave` pixels per border', () => {
    const b = plane(8, 6, (x, y) => 10 * x + y + (x === 1 && y === 1 ? 4 : 0));
    expect(mseShaved(a, b, { width: 8, height: 6, shave: 1 })).toBeCloseTo(16 / (6 * 4), 12);
    expect(mseShaved(a, b, { width: 8, height: 6, shave: 2 })).toBe(0);
  });

  test.each([
    [new Uint8Array(47), 0, /needs 48/],
    [a, 3, /cannot shave 3/],
    [a, -1, /cannot shave -1/],
  ])('rejects bad input (%#)', (b, shave, msg) => {
    expect(() => psnr(a, b, { width: 8, height: 6, shave })).toThrow(msg);
  });
});

import { describe, expect, test } from 'vitest';
import { ssim } from '../eval/ssim.js';
import { PSNR_CAP_DB } from './frame-align.js';
import { lumaArray } from './luma-file.js';
import { alignedRange, commonMeanDiff, scoreAligned, StaticFlicker } from './viewer-score.js';

const W = 24;
const H = 20;
const plane = (f: (x: number, y: number) => number): Uint8Array =>
  Uint8Array.from({ length: W * H }, (_, i) => f(i % W, Math.floor(i / W)));
const ramp = (t: number) => plane((x, y) => (x * 7 + y * 3 + t * 11) % 256);

describe('scoring the viewer side', () => {
  const truth = Array.from({ length: 9 }, (_, t) => ramp(t));

  test('the truth against itself: capped PSNR, SSIM 1, no flicker', () => {
    const s = scoreAligned(lumaArray(W, H, truth), lumaArray(W, H, truth), 0, { shave: 2, ssimEvery: 1 });
    expect(s).toMatchObject({ frames: 9, psnr: PSNR_CAP_DB, ssimFrames: 9 });
    expect(s.ssim).toBeCloseTo(1, 12);
  });

  test('a constant error of 4 grey levels gives its PSNR; SSIM is sampled every n-th frame', () => {
    const out = truth.map((p) => p.map((v) => (v < 128 ? v + 4 : v - 4)));
    const s = scoreAligned(lumaArray(W, H, out), lumaArray(W, H, truth), 0, { shave: 2, ssimEvery: 4 });
    expect(s.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / 16), 10);
    expect(s.ssimFrames).toBe(3); // frames 0, 4, 8
    const r = { width: W, height: H, shave: 2 };
    const expected = [0, 4, 8].map((i) => ssim(out[i] as Uint8Array, truth[i] as Uint8Array, r));
    expect(s.ssim).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 3, 12);
  });

  test('with an offset, output frame i is scored against truth frame i + offset, only where both exist', () => {
    const out = truth.slice(2);
    const s = scoreAligned(lumaArray(W, H, out), lumaArray(W, H, truth), 2, { shave: 2, ssimEvery: 1 });
    expect(s.frames).toBe(7);
    expect(s.psnr).toBe(PSNR_CAP_DB);
    expect([...s.psnrAt]).toEqual([NaN, NaN, ...Array<number>(7).fill(PSNR_CAP_DB)]);
    const sampled = scoreAligned(lumaArray(W, H, out), lumaArray(W, H, truth), 2, { shave: 2, ssimEvery: 3 });
    expect([...sampled.ssimAt].map((v) => !Number.isNaN(v))).toEqual([false, false, false, true, false, false, true, false, false]); // truth frames 3 and 6 (0 was not shown)
    expect(alignedRange(7, 9, 2)).toEqual({ from: 0, to: 7 });
    expect(alignedRange(9, 9, -2)).toEqual({ from: 2, to: 9 });
    expect(alignedRange(3, 9, 10)).toEqual({ from: 0, to: 0 });
    expect(() => scoreAligned(lumaArray(W, H, out), lumaArray(W, H, truth), 0, { shave: 2, ssimEvery: 0 })).toThrow(/ssimEvery/);
  });

  test('flicker counts output change only where the truth held still', () => {
    // The truth: left half still, right half changing. The output: left half flickers by 3, right half by 50.
    const still = (t: number) => plane((x) => (x < W / 2 ? 80 : 80 + t * 20));
    const shown = (t: number) => plane((x) => (x < W / 2 ? 80 + (t % 2) * 3 : 10 + (t % 2) * 50));
    const tr = [still(0), still(1), still(2)];
    const out = [shown(0), shown(1), shown(2)];
    const s = scoreAligned(lumaArray(W, H, out), lumaArray(W, H, tr), 0, { shave: 0, ssimEvery: 10 });
    expect(s.staticFlicker).toBe(3);
    expect(s.staticShare).toBe(0.5);
  });

  test('StaticFlicker honours the shave and is NaN when nothing was still', () => {
    const f = new StaticFlicker(W, H, 2);
    const a = plane(() => 10);
    const b = plane((x, y) => (x < 2 || y < 2 || x >= W - 2 || y >= H - 2 ? 10 : 11));
    f.add(
      a,
      b,
      a,
      plane(() => 200),
    ); // only the (ignored) border is still in the truth
    expect(f.flicker).toBeNaN();
    expect(f.share).toBe(0);
  });

  test('commonMeanDiff compares only where both sides have a number', () => {
    expect(commonMeanDiff(Float64Array.from([1, NaN, 5, 7]), Float64Array.from([0, 3, NaN, 4]))).toBe(2);
    expect(commonMeanDiff(Float64Array.from([NaN]), Float64Array.from([1]))).toBeNaN();
  });
});

import { describe, expect, test } from 'vitest';
import { alignRun, findOffset, framePsnr, pairsFor, PSNR_CAP_DB } from './frame-align.js';
import { lumaArray, type LumaFrames } from './luma-file.js';

const W = 48;
const H = 32;

/** rng is a small deterministic PRNG (mulberry32) so the synthetic clips are the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** clip: a moving gradient with grain, so neighbouring frames are alike but not equal (like video). */
function clip(n: number, seed = 1): Uint8Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, t) =>
    Uint8Array.from({ length: W * H }, (_, i) =>
      Math.max(0, Math.min(255, Math.round((((i % W) * 3 + t * 5 + Math.floor(i / W) * 2) % 200) + 20 + 6 * (r() - 0.5)))),
    ),
  );
}

/** degrade: what an encode and upscale do, roughly: a little noise on every pixel. */
function degrade(planes: readonly Uint8Array[], seed = 7): Uint8Array[] {
  const r = rng(seed);
  return planes.map((p) => p.map((v) => Math.max(0, Math.min(255, v + Math.round(4 * (r() - 0.5))))));
}

const frames = (planes: Uint8Array[]): LumaFrames => lumaArray(W, H, planes);
const opts = { maxOffset: 6, frames: 12, shave: 2 };

describe('frame alignment', () => {
  const truth = clip(60);

  test.each([0, 1, 3, 5, -2, -4])('finds an injected offset of %i frames', (k) => {
    // k > 0: the output lost its first k frames; k < 0: it shows -k extra frames before the first.
    const shown = k >= 0 ? truth.slice(k) : [...clip(-k, 99), ...truth];
    const a = findOffset(frames(degrade(shown)), frames(truth), opts);
    expect(a.offset).toBe(k);
    expect(a.pairs).toBe(opts.frames);
    expect(a.runnerUp).not.toBeNull();
    expect(a.psnr).toBeGreaterThan((a.runnerUp?.psnr ?? 0) + 1);
  });

  test('aligning the end as well reveals a frame dropped mid-stream', () => {
    const shown = [...truth.slice(0, 30), ...truth.slice(31)];
    const out = frames(degrade(shown));
    expect(findOffset(out, frames(truth), opts).offset).toBe(0);
    expect(findOffset(out, frames(truth), { ...opts, at: 'end' }).offset).toBe(1);
  });

  test('identical clips align at 0 with capped PSNR; ties go to the smallest |offset|', () => {
    expect(findOffset(frames(truth), frames(truth), opts)).toMatchObject({ offset: 0, psnr: PSNR_CAP_DB });
    const still = Array.from({ length: 20 }, () => (truth[0] as Uint8Array).slice());
    expect(findOffset(frames(still), frames(still), opts).offset).toBe(0);
  });

  test('refuses mismatched sizes, a bad window, or no overlap', () => {
    expect(() => findOffset(lumaArray(W, H, truth), lumaArray(H, W, truth), opts)).toThrow(/48x32/);
    expect(() => findOffset(frames(truth), frames(truth), { ...opts, frames: 0 })).toThrow(/window/);
    expect(() => findOffset(frames(truth.slice(0, 20)), frames(truth.slice(0, 3)), { ...opts, maxOffset: 0 })).toThrow(/no offset/);
    expect(() => findOffset(frames([]), frames(truth), opts)).toThrow(/no offset/);
  });

  test('pairsFor lists the output frames that have a truth frame at the offset', () => {
    expect(pairsFor(10, 10, 0, 4, 'start')).toEqual([0, 1, 2, 3]);
    expect(pairsFor(10, 10, 2, 4, 'start')).toEqual([0, 1, 2, 3]);
    expect(pairsFor(10, 10, -2, 4, 'start')).toEqual([2, 3, 4, 5]);
    expect(pairsFor(10, 10, 2, 4, 'end')).toEqual([4, 5, 6, 7]);
    expect(pairsFor(10, 10, -2, 4, 'end')).toEqual([6, 7, 8, 9]);
    expect(pairsFor(3, 10, 0, 4, 'start')).toEqual([0, 1, 2]);
    expect(pairsFor(10, 3, 5, 4, 'start')).toEqual([]);
  });

  test('framePsnr: a known MSE, and identical planes capped', () => {
    const a = new Uint8Array(W * H).fill(100);
    const b = a.map((v) => v + 5); // MSE 25
    expect(framePsnr(a, b, { width: W, height: H, shave: 2 })).toBeCloseTo(10 * Math.log10((255 * 255) / 25), 10);
    expect(framePsnr(a, a, { width: W, height: H, shave: 2 })).toBe(PSNR_CAP_DB);
  });

  test('pairsFor with "all" steps through the whole overlap', () => {
    expect(pairsFor(10, 10, 0, 4, 'all', 3)).toEqual([0, 3, 6, 9]);
    expect(pairsFor(10, 10, -2, 4, 'all', 2)).toEqual([2, 4, 6, 8]);
  });
});

describe('aligning a whole run', () => {
  const run = { maxOffset: 4, frames: 12, shave: 2 };
  const truth = clip(80);

  test('a clean run: offset 0 everywhere, a clear margin', () => {
    const a = alignRun(frames(degrade(truth)), frames(truth), run);
    expect(a).toMatchObject({ offset: 0, startOffset: 0, endOffset: 0 });
    expect(a.margin).toBeGreaterThan(1);
  });

  test('a lost first GOP (more frames than the window) is found by widening the window by the count gap', () => {
    const a = alignRun(frames(degrade(truth.slice(30))), frames(truth), run);
    expect(a).toMatchObject({ offset: 30, startOffset: 30, endOffset: 30 });
  });

  test('a still opening cannot tell offsets apart and does not pass for a frame lost mid-stream', () => {
    const first = truth[0] as Uint8Array;
    const stillThenMoving = [...Array.from({ length: 20 }, () => first.slice()), ...truth.slice(20)];
    const a = alignRun(frames(degrade(stillThenMoving)), frames(stillThenMoving), run);
    expect(a).toMatchObject({ offset: 0, startOffset: 0, endOffset: 0 });
  });

  test('a frame dropped mid-stream shows as different offsets at the two ends', () => {
    const a = alignRun(frames(degrade([...truth.slice(0, 40), ...truth.slice(41)])), frames(truth), run);
    expect(a.startOffset).toBe(0);
    expect(a.endOffset).toBe(1);
  });

  test('the whole-clip search samples frames to stay within its budget and still finds the offset', () => {
    const a = alignRun(frames(degrade(truth.slice(3))), frames(truth), { ...run, budget: 100 });
    expect(a.offset).toBe(3);
  });
});

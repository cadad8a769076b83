import type { Rect } from './orientation.js';

/** Keys' cubic convolution with a = -0.5 (Catmull-Rom), the kernel of the stage's bicubic and of the models' skip path. */
function keys(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** Taps holds, for each output sample along one axis, four source indices (edge-clamped) and their weights. */
interface Taps {
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/** tapsFor builds the taps of output samples [from, from + count) of an n-sample axis upscaled x`scale` (pixel centres aligned). */
function tapsFor(n: number, scale: number, from: number, count: number): Taps {
  const index = new Int32Array(count * 4);
  const weight = new Float32Array(count * 4);
  for (let o = 0; o < count; o++) {
    const t = (from + o + 0.5) / scale - 0.5;
    const i0 = Math.floor(t);
    const f = t - i0;
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(n - 1, Math.max(0, i0 - 1 + k));
      weight[o * 4 + k] = keys(f - (k - 1));
    }
  }
  return { index, weight };
}

/**
 * upscalePlane upscales a w x h float plane x`scale` with a separable bicubic (edges repeated) and
 * returns only the `crop` of the upscaled plane (default: all of it), row by row. Integer scales
 * keep pixel centres aligned, so a tile of a plane upscales to exactly the same samples as the
 * whole plane wherever the tile has 2 source pixels of context.
 */
export function upscalePlane(
  src: Float32Array,
  w: number,
  h: number,
  scale: number,
  crop: Rect = { x: 0, y: 0, w: w * scale, h: h * scale },
): Float32Array {
  if (src.length < w * h) throw new RangeError(`a ${w}x${h} plane needs ${w * h} samples, got ${src.length}`);
  const tx = tapsFor(w, scale, crop.x, crop.w);
  const ty = tapsFor(h, scale, crop.y, crop.h);
  // Source rows the vertical pass reads.
  let r0 = h;
  let r1 = -1;
  for (const i of ty.index) {
    r0 = Math.min(r0, i);
    r1 = Math.max(r1, i);
  }
  const rows = r1 - r0 + 1;
  const mid = new Float32Array(rows * crop.w);
  for (let r = 0; r < rows; r++) {
    const base = (r0 + r) * w;
    const o = r * crop.w;
    for (let x = 0; x < crop.w; x++) {
      const k = x * 4;
      mid[o + x] =
        (src[base + (tx.index[k] as number)] as number) * (tx.weight[k] as number) +
        (src[base + (tx.index[k + 1] as number)] as number) * (tx.weight[k + 1] as number) +
        (src[base + (tx.index[k + 2] as number)] as number) * (tx.weight[k + 2] as number) +
        (src[base + (tx.index[k + 3] as number)] as number) * (tx.weight[k + 3] as number);
    }
  }
  const out = new Float32Array(crop.w * crop.h);
  for (let y = 0; y < crop.h; y++) {
    const k = y * 4;
    const a = ((ty.index[k] as number) - r0) * crop.w;
    const b = ((ty.index[k + 1] as number) - r0) * crop.w;
    const c = ((ty.index[k + 2] as number) - r0) * crop.w;
    const d = ((ty.index[k + 3] as number) - r0) * crop.w;
    const wa = ty.weight[k] as number;
    const wb = ty.weight[k + 1] as number;
    const wc = ty.weight[k + 2] as number;
    const wd = ty.weight[k + 3] as number;
    const o = y * crop.w;
    for (let x = 0; x < crop.w; x++) {
      out[o + x] = (mid[a + x] as number) * wa + (mid[b + x] as number) * wb + (mid[c + x] as number) * wc + (mid[d + x] as number) * wd;
    }
  }
  return out;
}

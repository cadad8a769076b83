/**
 * Bicubic resampling tables for bicubic.ts: per output sample, 4 clamped source indices and 4
 * fixed-point Keys weights (a = -0.5), pixel-centre aligned, built once per (src, dst) and cached.
 */

/** W_BITS: weights are integers in 1/2^14. */
export const W_BITS = 14;
const ONE = 1 << W_BITS;

/** Taps1D is one axis's resampling table: 4 source indices and 4 fixed-point weights per output. */
export interface Taps1D {
  readonly src: number;
  readonly dst: number;
  /** dst*4 clamped source indices. */
  readonly idx: Int32Array;
  /** dst*4 weights in 1/2^14, each group of 4 sums to exactly 2^14 (constants stay constant). */
  readonly w: Int32Array;
  /** For an integer ratio dst = k*src: k phases * 4 weights over the window i-2..i+2 (see phaseWeights). */
  readonly ratio: number;
  readonly phase: Int32Array | null;
}

/** cubic is the Keys kernel with a = -0.5. */
function cubic(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 1) return (1.5 * ax - 2.5) * ax * ax + 1;
  if (ax < 2) return ((-0.5 * ax + 2.5) * ax - 4) * ax + 2;
  return 0;
}

/** quantize turns 4 float weights into integers summing to 2^14 (the largest absorbs the rounding). */
function quantize(f: readonly number[], out: Int32Array, at: number): void {
  let sum = 0;
  let big = 0;
  for (let j = 0; j < 4; j++) {
    const q = Math.round((f[j] as number) * ONE);
    out[at + j] = q;
    sum += q;
    if (Math.abs(f[j] as number) > Math.abs(f[big] as number)) big = j;
  }
  out[at + big] = (out[at + big] as number) + (ONE - sum);
}

/** buildTaps computes the table for resizing `src` samples to `dst` samples. */
function buildTaps(src: number, dst: number): Taps1D {
  const idx = new Int32Array(dst * 4);
  const w = new Int32Array(dst * 4);
  const step = src / dst;
  for (let d = 0; d < dst; d++) {
    const s = (d + 0.5) * step - 0.5;
    const i = Math.floor(s);
    const t = s - i;
    for (let j = 0; j < 4; j++) idx[d * 4 + j] = Math.min(src - 1, Math.max(0, i - 1 + j));
    quantize([cubic(1 + t), cubic(t), cubic(1 - t), cubic(2 - t)], w, d * 4);
  }
  const ratio = dst % src === 0 ? dst / src : 0;
  return { src, dst, idx, w, ratio, phase: ratio > 1 ? phaseWeights(ratio) : null };
}

/**
 * phaseWeights gives, for integer ratio k, the 5-wide window weights of each phase p (output
 * k*i + p reads source i-2..i+2): phase p's source coordinate is i + (p + 0.5)/k - 0.5, which
 * lies in [i - 0.5, i + 0.5), so its 4 taps start at i-2 (coordinate < i) or i-1. Stored as
 * 5 weights per phase (one of the two end weights is 0) so every phase is the same loop body.
 */
function phaseWeights(k: number): Int32Array {
  const out = new Int32Array(k * 5);
  const q = new Int32Array(4);
  for (let p = 0; p < k; p++) {
    const off = (p + 0.5) / k - 0.5;
    const fl = Math.floor(off);
    const t = off - fl;
    quantize([cubic(1 + t), cubic(t), cubic(1 - t), cubic(2 - t)], q, 0);
    const first = fl + 1; // window slot of tap 0: slot 0 is i-2, so tap i-1+fl is slot 1+fl
    for (let j = 0; j < 4; j++) out[p * 5 + first + j] = q[j] as number;
  }
  return out;
}

const tapsCache = new Map<number, Taps1D>();

/** tapsFor returns the cached table for src -> dst (sizes < 2^20). */
export function tapsFor(src: number, dst: number): Taps1D {
  const key = src * 1_048_576 + dst;
  let t = tapsCache.get(key);
  if (!t) {
    t = buildTaps(src, dst);
    tapsCache.set(key, t);
  }
  return t;
}

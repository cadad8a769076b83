/**
 * Bicubic resize of 8-bit planes: the stage's floor path, so it is written for speed.
 *
 * Keys cubic (a = -0.5), pixel-centre aligned like ffmpeg/PIL/MATLAB (source coordinate
 * = (dst + 0.5) * src/dst - 0.5), edge pixels clamped. Separable: a vertical pass into an
 * Int16 scratch plane, then a horizontal pass into the output. Weights are fixed point and
 * precomputed once per (srcSize, dstSize). Integer upscale ratios (2x, 3x, 4x ...) take a
 * sliding-window path with the per-phase weights held in locals: one scratch load per `scale`
 * outputs horizontally, five row loads per two output rows vertically at 2x. Downscaling uses
 * the same 4-tap kernel without antialiasing (the stage only upscales).
 *
 * When the native kernel (native/bicubic, SIMD C++) is built, every resize goes through it
 * instead: same filter and weights, about 10x faster; this JavaScript kernel is the fallback.
 */
import { loadNativeBicubic, type NativeBicubic, type NativeLoad } from './bicubic-native.js';
import { W_BITS, tapsFor, type Taps1D } from './bicubic-taps.js';
import { frameGeometry, type FrameGeometry } from '../media/frame.js';

/**
 * Weights are in 1/2^14. The vertical pass (uint8 in) keeps 6 fractional bits in Int16
 * (range about -2040..18360); the horizontal pass then carries 14 + 6 fractional bits, at most
 * ~3.8e8 in magnitude, so every sum stays a small integer for the JIT.
 */
const V_SHIFT = 8;
const V_ROUND = 1 << (V_SHIFT - 1);
const H_SHIFT = W_BITS + (W_BITS - V_SHIFT);
const H_ROUND = 1 << (H_SHIFT - 1);

let scratch = new Int16Array(0);

const nativeLoad: NativeLoad = loadNativeBicubic();
let native: NativeBicubic | null = nativeLoad.addon;

/** BicubicKernelInfo says which kernel the resize functions use, and why not native when not. */
export interface BicubicKernelInfo {
  readonly kind: 'native' | 'js';
  /** native: the addon's SIMD level; js: 'none'. */
  readonly simd: string;
  /** Why the native kernel is not in use (absent when it is). */
  readonly why?: string;
}

/** bicubicKernel reports the kernel in use. */
export function bicubicKernel(): BicubicKernelInfo {
  if (native) return { kind: 'native', simd: native.simd };
  return { kind: 'js', simd: 'none', why: nativeLoad.addon ? 'switched to js' : nativeLoad.why };
}

/** useBicubicKernel switches between the native kernel (when built) and JavaScript; for benchmarks and tests. Returns false when native is asked for but absent. */
export function useBicubicKernel(kind: 'native' | 'js'): boolean {
  native = kind === 'native' ? nativeLoad.addon : null;
  return kind === 'js' || native !== null;
}

/** scratchFor returns the shared Int16 intermediate plane, grown when needed (JS is single-threaded). */
function scratchFor(n: number): Int16Array {
  if (scratch.length < n) scratch = new Int16Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/** verticalRows resamples columns of the source plane into the Int16 scratch (4 row loads per output row). */
function verticalRows(src: Uint8Array, so: number, sw: number, ty: Taps1D, tmp: Int16Array, y0: number, y1: number): void {
  const idx = ty.idx;
  const w = ty.w;
  for (let y = y0; y < y1; y++) {
    const k = y * 4;
    const r0 = so + (idx[k] as number) * sw,
      r1 = so + (idx[k + 1] as number) * sw;
    const r2 = so + (idx[k + 2] as number) * sw,
      r3 = so + (idx[k + 3] as number) * sw;
    const w0 = w[k] as number,
      w1 = w[k + 1] as number,
      w2 = w[k + 2] as number,
      w3 = w[k + 3] as number;
    const o = y * sw;
    for (let x = 0; x < sw; x++) {
      const s = w0 * (src[r0 + x] as number) + w1 * (src[r1 + x] as number) + w2 * (src[r2 + x] as number) + w3 * (src[r3 + x] as number);
      tmp[o + x] = (s + V_ROUND) >> V_SHIFT;
    }
  }
}

/** vertical2 is the 2x vertical pass: two output rows from one 5-row window per column. */
function vertical2(src: Uint8Array, so: number, sw: number, sh: number, ty: Taps1D, tmp: Int16Array): void {
  const ph = ty.phase as Int32Array;
  // Phase 0 reads window slots 0..3 (slot 4 weight is 0), phase 1 reads slots 1..4.
  const a0 = ph[0] as number,
    a1 = ph[1] as number,
    a2 = ph[2] as number,
    a3 = ph[3] as number;
  const b1 = ph[6] as number,
    b2 = ph[7] as number,
    b3 = ph[8] as number,
    b4 = ph[9] as number;
  verticalRows(src, so, sw, ty, tmp, 0, 4);
  // Interior source rows i in [2, sh-3]: the whole window i-2..i+2 is in range.
  for (let i = 2; i < sh - 2; i++) {
    const r0 = so + (i - 2) * sw,
      r1 = r0 + sw,
      r2 = r1 + sw,
      r3 = r2 + sw,
      r4 = r3 + sw;
    const o0 = 2 * i * sw;
    const o1 = o0 + sw;
    for (let x = 0; x < sw; x++) {
      const p1 = src[r1 + x] as number,
        p2 = src[r2 + x] as number,
        p3 = src[r3 + x] as number;
      tmp[o0 + x] = (a0 * (src[r0 + x] as number) + a1 * p1 + a2 * p2 + a3 * p3 + V_ROUND) >> V_SHIFT;
      tmp[o1 + x] = (b1 * p1 + b2 * p2 + b3 * p3 + b4 * (src[r4 + x] as number) + V_ROUND) >> V_SHIFT;
    }
  }
  verticalRows(src, so, sw, ty, tmp, 2 * (sh - 2), ty.dst);
}

/** vertical4 is the 4x vertical pass: four output rows from one 5-row window per column. */
function vertical4(src: Uint8Array, so: number, sw: number, sh: number, ty: Taps1D, tmp: Int16Array): void {
  const ph = ty.phase as Int32Array;
  // Phases 0 and 1 read window slots 0..3, phases 2 and 3 read slots 1..4.
  const a0 = ph[0] as number,
    a1 = ph[1] as number,
    a2 = ph[2] as number,
    a3 = ph[3] as number;
  const b0 = ph[5] as number,
    b1 = ph[6] as number,
    b2 = ph[7] as number,
    b3 = ph[8] as number;
  const c1 = ph[11] as number,
    c2 = ph[12] as number,
    c3 = ph[13] as number,
    c4 = ph[14] as number;
  const d1 = ph[16] as number,
    d2 = ph[17] as number,
    d3 = ph[18] as number,
    d4 = ph[19] as number;
  verticalRows(src, so, sw, ty, tmp, 0, 8);
  for (let i = 2; i < sh - 2; i++) {
    const r0 = so + (i - 2) * sw,
      r1 = r0 + sw,
      r2 = r1 + sw,
      r3 = r2 + sw,
      r4 = r3 + sw;
    const o0 = 4 * i * sw,
      o1 = o0 + sw,
      o2 = o1 + sw,
      o3 = o2 + sw;
    for (let x = 0; x < sw; x++) {
      const p0 = src[r0 + x] as number,
        p1 = src[r1 + x] as number,
        p2 = src[r2 + x] as number;
      const p3 = src[r3 + x] as number,
        p4 = src[r4 + x] as number;
      tmp[o0 + x] = (a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3 + V_ROUND) >> V_SHIFT;
      tmp[o1 + x] = (b0 * p0 + b1 * p1 + b2 * p2 + b3 * p3 + V_ROUND) >> V_SHIFT;
      tmp[o2 + x] = (c1 * p1 + c2 * p2 + c3 * p3 + c4 * p4 + V_ROUND) >> V_SHIFT;
      tmp[o3 + x] = (d1 * p1 + d2 * p2 + d3 * p3 + d4 * p4 + V_ROUND) >> V_SHIFT;
    }
  }
  verticalRows(src, so, sw, ty, tmp, 4 * (sh - 2), ty.dst);
}

/** horizontalSpan fills outputs [from, end) of one row from the tap table (borders and odd ratios). */
function horizontalSpan(tmp: Int16Array, row: number, tx: Taps1D, dst: Uint8ClampedArray, o: number, from: number, end: number): void {
  const idx = tx.idx;
  const w = tx.w;
  for (let x = from, k = from * 4; x < end; x++, k += 4) {
    const s =
      (w[k] as number) * (tmp[row + (idx[k] as number)] as number) +
      (w[k + 1] as number) * (tmp[row + (idx[k + 1] as number)] as number) +
      (w[k + 2] as number) * (tmp[row + (idx[k + 2] as number)] as number) +
      (w[k + 3] as number) * (tmp[row + (idx[k + 3] as number)] as number);
    // Uint8ClampedArray saturates on store: no branches for the clamp.
    dst[o + x] = (s + H_ROUND) >> H_SHIFT;
  }
}

/** horizontal2 is the 2x sliding-window pass: one load per two outputs, weights in locals. */
function horizontal2(tmp: Int16Array, sw: number, rows: number, tx: Taps1D, dst: Uint8ClampedArray, dOff: number): void {
  const ph = tx.phase as Int32Array;
  const a0 = ph[0] as number,
    a1 = ph[1] as number,
    a2 = ph[2] as number,
    a3 = ph[3] as number;
  const b1 = ph[6] as number,
    b2 = ph[7] as number,
    b3 = ph[8] as number,
    b4 = ph[9] as number;
  const dw = tx.dst;
  for (let y = 0; y < rows; y++) {
    const row = y * sw;
    const to = dOff + y * dw;
    horizontalSpan(tmp, row, tx, dst, to, 0, 4);
    let p0 = tmp[row] as number,
      p1 = tmp[row + 1] as number,
      p2 = tmp[row + 2] as number,
      p3 = tmp[row + 3] as number;
    let o = to + 4;
    for (let i = 2, r = row + 4; i < sw - 2; i++, r++, o += 2) {
      const p4 = tmp[r] as number;
      dst[o] = (a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3 + H_ROUND) >> H_SHIFT;
      dst[o + 1] = (b1 * p1 + b2 * p2 + b3 * p3 + b4 * p4 + H_ROUND) >> H_SHIFT;
      p0 = p1;
      p1 = p2;
      p2 = p3;
      p3 = p4;
    }
    horizontalSpan(tmp, row, tx, dst, to, 2 * (sw - 2), dw);
  }
}

/** horizontal4 is the 4x sliding-window pass: one load per four outputs, weights in locals. */
function horizontal4(tmp: Int16Array, sw: number, rows: number, tx: Taps1D, dst: Uint8ClampedArray, dOff: number): void {
  const ph = tx.phase as Int32Array;
  const a0 = ph[0] as number,
    a1 = ph[1] as number,
    a2 = ph[2] as number,
    a3 = ph[3] as number;
  const b0 = ph[5] as number,
    b1 = ph[6] as number,
    b2 = ph[7] as number,
    b3 = ph[8] as number;
  const c1 = ph[11] as number,
    c2 = ph[12] as number,
    c3 = ph[13] as number,
    c4 = ph[14] as number;
  const d1 = ph[16] as number,
    d2 = ph[17] as number,
    d3 = ph[18] as number,
    d4 = ph[19] as number;
  const dw = tx.dst;
  for (let y = 0; y < rows; y++) {
    const row = y * sw;
    const to = dOff + y * dw;
    horizontalSpan(tmp, row, tx, dst, to, 0, 8);
    let p0 = tmp[row] as number,
      p1 = tmp[row + 1] as number,
      p2 = tmp[row + 2] as number,
      p3 = tmp[row + 3] as number;
    let o = to + 8;
    for (let i = 2, r = row + 4; i < sw - 2; i++, r++, o += 4) {
      const p4 = tmp[r] as number;
      dst[o] = (a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3 + H_ROUND) >> H_SHIFT;
      dst[o + 1] = (b0 * p0 + b1 * p1 + b2 * p2 + b3 * p3 + H_ROUND) >> H_SHIFT;
      dst[o + 2] = (c1 * p1 + c2 * p2 + c3 * p3 + c4 * p4 + H_ROUND) >> H_SHIFT;
      dst[o + 3] = (d1 * p1 + d2 * p2 + d3 * p3 + d4 * p4 + H_ROUND) >> H_SHIFT;
      p0 = p1;
      p1 = p2;
      p2 = p3;
      p3 = p4;
    }
    horizontalSpan(tmp, row, tx, dst, to, 4 * (sw - 2), dw);
  }
}

/** horizontalK is the sliding-window pass for any integer ratio k > 2 (k outputs per source load). */
function horizontalK(tmp: Int16Array, sw: number, rows: number, tx: Taps1D, dst: Uint8ClampedArray, dOff: number): void {
  const ph = tx.phase as Int32Array;
  const k = tx.ratio;
  const dw = tx.dst;
  for (let y = 0; y < rows; y++) {
    const row = y * sw;
    const to = dOff + y * dw;
    horizontalSpan(tmp, row, tx, dst, to, 0, 2 * k);
    let p0 = tmp[row] as number,
      p1 = tmp[row + 1] as number,
      p2 = tmp[row + 2] as number,
      p3 = tmp[row + 3] as number;
    let o = to + 2 * k;
    for (let i = 2, r = row + 4; i < sw - 2; i++, r++) {
      const p4 = tmp[r] as number;
      for (let q = 0; q < 5 * k; q += 5, o++) {
        dst[o] =
          ((ph[q] as number) * p0 +
            (ph[q + 1] as number) * p1 +
            (ph[q + 2] as number) * p2 +
            (ph[q + 3] as number) * p3 +
            (ph[q + 4] as number) * p4 +
            H_ROUND) >>
          H_SHIFT;
      }
      p0 = p1;
      p1 = p2;
      p2 = p3;
      p3 = p4;
    }
    horizontalSpan(tmp, row, tx, dst, to, k * (sw - 2), dw);
  }
}

/**
 * resizeInto resizes the plane at src[so..] into dst[dOff..]. Vertical first: that pass reads
 * uint8 and writes only sw*dh scratch samples, and the horizontal pass, which writes the most
 * samples, gets the cheapest loop (one load per `ratio` outputs). Measured ~1.6x faster than
 * horizontal-first at 640x360 -> 1280x720.
 */
function resizeInto(src: Uint8Array, so: number, sw: number, sh: number, dw: number, dh: number, dst: Uint8Array, dOff: number): void {
  if (native) {
    native.resize(src, so, sw, sh, dst, dOff, dw, dh);
    return;
  }
  const tx = tapsFor(sw, dw);
  const ty = tapsFor(sh, dh);
  const tmp = scratchFor(sw * dh);
  // The sliding windows need 5 source samples in the interior; tiny planes use the tables.
  if (ty.ratio === 2 && sh >= 5) vertical2(src, so, sw, sh, ty, tmp);
  else if (ty.ratio === 4 && sh >= 5) vertical4(src, so, sw, sh, ty, tmp);
  else verticalRows(src, so, sw, ty, tmp, 0, dh);
  const out = new Uint8ClampedArray(dst.buffer, dst.byteOffset, dst.length);
  if (tx.ratio === 2 && sw >= 5) horizontal2(tmp, sw, dh, tx, out, dOff);
  else if (tx.ratio === 4 && sw >= 5) horizontal4(tmp, sw, dh, tx, out, dOff);
  else if (tx.ratio > 2 && sw >= 5) horizontalK(tmp, sw, dh, tx, out, dOff);
  else for (let y = 0; y < dh; y++) horizontalSpan(tmp, y * sw, tx, out, dOff + y * dw, 0, dw);
}

function checkPlane(what: string, buf: Uint8Array, w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0 || w >= 1_048_576 || h >= 1_048_576) {
    throw new RangeError(`invalid ${what} plane size ${w}x${h}`);
  }
  if (buf.length < w * h) throw new RangeError(`${what} buffer has ${buf.length} bytes, ${w}x${h} needs ${w * h}`);
}

/** resizePlaneBicubic resizes one 8-bit plane sw x sh to dw x dh (into dst when given). */
export function resizePlaneBicubic(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, dst?: Uint8Array): Uint8Array {
  checkPlane('source', src, sw, sh);
  const out = dst ?? new Uint8Array(dw * dh);
  checkPlane('destination', out, dw, dh);
  resizeInto(src, 0, sw, sh, dw, dh, out, 0);
  return out;
}

/** upscaledGeometry is the output geometry of a frame upscaled by an integer `scale`. */
export function upscaledGeometry(g: FrameGeometry, scale: number): FrameGeometry {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`invalid scale ${scale}`);
  return frameGeometry(g.width * scale, g.height * scale);
}

function checkFrames(src: Uint8Array, g: FrameGeometry, out: FrameGeometry, dst: Uint8Array): void {
  if (src.length < g.frameSize) throw new RangeError(`source frame has ${src.length} bytes, ${g.width}x${g.height} needs ${g.frameSize}`);
  if (dst.length < out.frameSize)
    throw new RangeError(`destination frame has ${dst.length} bytes, ${out.width}x${out.height} needs ${out.frameSize}`);
}

/** upscaleChromaBicubic writes only the U and V planes of the upscaled frame into dst (the model path brings its own Y). */
export function upscaleChromaBicubic(src: Uint8Array, g: FrameGeometry, scale: number, dst: Uint8Array): Uint8Array {
  const out = upscaledGeometry(g, scale);
  checkFrames(src, g, out, dst);
  resizeInto(src, g.lumaSize, g.chromaWidth, g.chromaHeight, out.chromaWidth, out.chromaHeight, dst, out.lumaSize);
  resizeInto(
    src,
    g.lumaSize + g.chromaSize,
    g.chromaWidth,
    g.chromaHeight,
    out.chromaWidth,
    out.chromaHeight,
    dst,
    out.lumaSize + out.chromaSize,
  );
  return dst;
}

/** upscaleLumaBicubic writes only the Y plane of the upscaled frame into dst. */
export function upscaleLumaBicubic(src: Uint8Array, g: FrameGeometry, scale: number, dst: Uint8Array): Uint8Array {
  const out = upscaledGeometry(g, scale);
  checkFrames(src, g, out, dst);
  resizeInto(src, 0, g.width, g.height, out.width, out.height, dst, 0);
  return dst;
}

/** upscaleFrameBicubic upscales all three planes of a yuv420p frame by an integer `scale`. */
export function upscaleFrameBicubic(src: Uint8Array, g: FrameGeometry, scale: number, dst?: Uint8Array): Uint8Array {
  const out = upscaledGeometry(g, scale);
  const buf = dst ?? new Uint8Array(out.frameSize);
  upscaleLumaBicubic(src, g, scale, buf);
  return upscaleChromaBicubic(src, g, scale, buf);
}

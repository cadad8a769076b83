/**
 * MATLAB `imresize(..., 'bicubic')` reproduced exactly, so SR numbers compare with published tables.
 *
 * Follows imresize.m: Keys cubic (a = -0.5); for downscaling with antialiasing the kernel is
 * stretched by 1/scale (`h(x) = scale * cubic(scale * x)`, width 4/scale); weights are normalised
 * per output sample; out-of-range taps mirror with edge duplication (`[1:n, n:-1:1]`). Rows
 * (dimension 1) are resized first when both scales are equal, as MATLAB does. Arithmetic is float64;
 * for uint8 images every pass is rounded and saturated to uint8 like MATLAB's imresizemex.
 */

/** ResizeWeights is the sparse 1-D resampling matrix: `taps` weights and source indices per output sample. */
export interface ResizeWeights {
  readonly outLength: number;
  readonly taps: number;
  /** outLength * taps weights, row-major; each row sums to 1. */
  readonly weights: Float64Array;
  /** outLength * taps zero-based source indices, already mirrored into [0, inLength). */
  readonly indices: Int32Array;
}

/** cubicKernel is MATLAB's bicubic kernel (Keys, a = -0.5). */
export function cubicKernel(x: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

/** imresizeOutputLength is MATLAB's output size for a scale factor: ceil(inLength * scale). */
export function imresizeOutputLength(inLength: number, scale: number): number {
  return Math.ceil(inLength * scale);
}

/** imresizeWeights computes MATLAB's `contributions()` for one dimension. */
export function imresizeWeights(inLength: number, outLength: number, scale: number, antialias = true): ResizeWeights {
  if (!(inLength > 0 && outLength > 0 && scale > 0)) {
    throw new RangeError(`invalid resize ${inLength} -> ${outLength} at scale ${scale}`);
  }
  const shrink = scale < 1 && antialias;
  const kernelWidth = shrink ? 4 / scale : 4;
  const h = shrink ? (x: number) => scale * cubicKernel(scale * x) : cubicKernel;
  const taps = Math.ceil(kernelWidth) + 2;
  const weights = new Float64Array(outLength * taps);
  const indices = new Int32Array(outLength * taps);
  const period = 2 * inLength;
  for (let o = 0; o < outLength; o++) {
    // MATLAB is 1-based: x = o + 1, and u is the 1-based source coordinate of output x.
    const u = (o + 1) / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const w = h(u - (left + t));
      weights[o * taps + t] = w;
      sum += w;
    }
    for (let t = 0; t < taps; t++) {
      weights[o * taps + t] = (weights[o * taps + t] as number) / sum;
      // aux = [1:n, n:-1:1]; idx = aux(mod(i - 1, 2n) + 1), converted to 0-based.
      const m = (((left + t - 1) % period) + period) % period;
      indices[o * taps + t] = m < inLength ? m : period - 1 - m;
    }
  }
  return { outLength, taps, weights, indices };
}

/** roundU8 rounds half away from zero and saturates to 0..255, like MATLAB's conversion to uint8. */
export function roundU8(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  return Math.floor(v + 0.5);
}

function resizeRows(src: ArrayLike<number>, w: number, h: number, rw: ResizeWeights, round: boolean): Float64Array {
  const out = new Float64Array(w * rw.outLength);
  const { taps, weights, indices } = rw;
  for (let o = 0; o < rw.outLength; o++) {
    const base = o * taps;
    const row = out.subarray(o * w, o * w + w);
    for (let t = 0; t < taps; t++) {
      const wt = weights[base + t] as number;
      if (wt === 0) continue;
      const srcRow = (indices[base + t] as number) * w;
      for (let x = 0; x < w; x++) row[x] = (row[x] as number) + wt * (src[srcRow + x] as number);
    }
    if (round) for (let x = 0; x < w; x++) row[x] = roundU8(row[x] as number);
  }
  return out;
}

function resizeCols(src: ArrayLike<number>, w: number, h: number, cw: ResizeWeights, round: boolean): Float64Array {
  const ow = cw.outLength;
  const out = new Float64Array(ow * h);
  const { taps, weights, indices } = cw;
  for (let y = 0; y < h; y++) {
    const s = y * w;
    for (let o = 0; o < ow; o++) {
      const base = o * taps;
      let acc = 0;
      for (let t = 0; t < taps; t++) acc += (weights[base + t] as number) * (src[s + (indices[base + t] as number)] as number);
      out[y * ow + o] = round ? roundU8(acc) : acc;
    }
  }
  return out;
}

/** ImresizeResult is a resized plane with its size. */
export interface ImresizeResult<T> {
  readonly width: number;
  readonly height: number;
  readonly data: T;
}

function imresizeCore(src: ArrayLike<number>, w: number, h: number, scale: number, round: boolean): ImresizeResult<Float64Array> {
  if (src.length !== w * h) throw new RangeError(`plane has ${src.length} samples, ${w}x${h} needs ${w * h}`);
  const ow = imresizeOutputLength(w, scale);
  const oh = imresizeOutputLength(h, scale);
  const rows = resizeRows(src, w, h, imresizeWeights(h, oh, scale), round);
  const data = resizeCols(rows, w, oh, imresizeWeights(w, ow, scale), round);
  return { width: ow, height: oh, data };
}

/** imresizeU8 is MATLAB `imresize(uint8Plane, scale, 'bicubic')`: each pass rounded to uint8. */
export function imresizeU8(src: Uint8Array, width: number, height: number, scale: number): ImresizeResult<Uint8Array> {
  const r = imresizeCore(src, width, height, scale, true);
  return { width: r.width, height: r.height, data: Uint8Array.from(r.data) };
}

/** imresizeF64 is MATLAB `imresize(doublePlane, scale, 'bicubic')`: float all the way, no rounding. */
export function imresizeF64(src: ArrayLike<number>, width: number, height: number, scale: number): ImresizeResult<Float64Array> {
  return imresizeCore(src, width, height, scale, false);
}

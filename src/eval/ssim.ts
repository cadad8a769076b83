import { checkRegion, type PlaneRegion } from './psnr.js';

/**
 * SSIM as in Wang et al.'s reference ssim_index.m: 11x11 Gaussian window (σ = 1.5, normalised),
 * K1 = 0.01, K2 = 0.03, L = 255, statistics over the 'valid' part of the window sweep, and the mean
 * of the SSIM map. Computed in float64 on the shaved region.
 */

const RADIUS = 5;

/** gaussianWindow1d returns the normalised 1-D Gaussian whose outer product is fspecial('gaussian', 11, 1.5). */
export function gaussianWindow1d(size = 2 * RADIUS + 1, sigma = 1.5): Float64Array {
  const w = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    w[i] = Math.exp(-((i - c) * (i - c)) / (2 * sigma * sigma));
    sum += w[i] as number;
  }
  for (let i = 0; i < size; i++) w[i] = (w[i] as number) / sum;
  return w;
}

/** filterValid convolves a w x h plane with the separable window, keeping only fully covered positions. */
function filterValid(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const n = k.length;
  const vw = w - n + 1;
  const vh = h - n + 1;
  const tmp = new Float64Array(vw * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < vw; x++) {
      let acc = 0;
      for (let t = 0; t < n; t++) acc += (k[t] as number) * (src[y * w + x + t] as number);
      tmp[y * vw + x] = acc;
    }
  }
  const out = new Float64Array(vw * vh);
  for (let y = 0; y < vh; y++) {
    for (let x = 0; x < vw; x++) {
      let acc = 0;
      for (let t = 0; t < n; t++) acc += (k[t] as number) * (tmp[(y + t) * vw + x] as number);
      out[y * vw + x] = acc;
    }
  }
  return out;
}

/** ssim is the mean structural similarity of two planes over the shaved region (1 for identical planes). */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, r: PlaneRegion, peak = 255): number {
  const { w, h } = checkRegion(a, b, r);
  const k = gaussianWindow1d();
  if (w < k.length || h < k.length) throw new RangeError(`SSIM needs at least ${k.length}x${k.length} pixels, got ${w}x${h}`);
  const n = w * h;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const s = (row + r.shave) * r.width + col + r.shave;
      x[row * w + col] = a[s] as number;
      y[row * w + col] = b[s] as number;
    }
  }
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    xx[i] = xi * xi;
    yy[i] = yi * yi;
    xy[i] = xi * yi;
  }
  const mu1 = filterValid(x, w, h, k);
  const mu2 = filterValid(y, w, h, k);
  const s11 = filterValid(xx, w, h, k);
  const s22 = filterValid(yy, w, h, k);
  const s12 = filterValid(xy, w, h, k);
  const c1 = (0.01 * peak) ** 2;
  const c2 = (0.03 * peak) ** 2;
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i] as number;
    const m2 = mu2[i] as number;
    const v1 = (s11[i] as number) - m1 * m1;
    const v2 = (s22[i] as number) - m2 * m2;
    const cov = (s12[i] as number) - m1 * m2;
    sum += ((2 * m1 * m2 + c1) * (2 * cov + c2)) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
  }
  return sum / mu1.length;
}

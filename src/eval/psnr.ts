/** PlaneRegion says which part of two planes is compared: `shave` pixels are ignored on every border. */
export interface PlaneRegion {
  readonly width: number;
  readonly height: number;
  readonly shave: number;
}

/** checkRegion validates two planes against a region and returns the compared width and height. */
export function checkRegion(a: ArrayLike<number>, b: ArrayLike<number>, r: PlaneRegion): { w: number; h: number } {
  const n = r.width * r.height;
  if (a.length !== n || b.length !== n) {
    throw new RangeError(`planes have ${a.length} and ${b.length} samples, ${r.width}x${r.height} needs ${n}`);
  }
  const w = r.width - 2 * r.shave;
  const h = r.height - 2 * r.shave;
  if (!Number.isInteger(r.shave) || r.shave < 0 || w <= 0 || h <= 0) {
    throw new RangeError(`cannot shave ${r.shave} pixels from ${r.width}x${r.height}`);
  }
  return { w, h };
}

/** mseShaved is the mean squared difference of two planes inside the shaved region. */
export function mseShaved(a: ArrayLike<number>, b: ArrayLike<number>, r: PlaneRegion): number {
  const { w, h } = checkRegion(a, b, r);
  let sum = 0;
  for (let y = r.shave; y < r.shave + h; y++) {
    const row = y * r.width;
    for (let x = r.shave; x < r.shave + w; x++) {
      const d = (a[row + x] as number) - (b[row + x] as number);
      sum += d * d;
    }
  }
  return sum / (w * h);
}

/** psnr is 10·log10(peak² / MSE) in dB over the shaved region (Infinity for identical planes). */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, r: PlaneRegion, peak = 255): number {
  const mse = mseShaved(a, b, r);
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

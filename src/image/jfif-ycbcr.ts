import { roundU8 } from './matlab-imresize.js';
import type { Planes3, RgbImage } from './rgb-image.js';

/**
 * Full-range BT.601 YCbCr as JPEG/JFIF defines it (Y, Cb, Cr all 0..255). `uprez image` uses it:
 * photos are full-range, so this keeps every grey level of the input (studio range would squeeze
 * 256 levels into 220 and clip out-of-range colours), and decoders of JPEG files use the same matrix.
 */

/** rgbToJfifYcbcr converts an RGB image to full-range Y, Cb, Cr planes (rounded to uint8). */
export function rgbToJfifYcbcr(img: RgbImage): Planes3 {
  const n = img.width * img.height;
  const y = new Uint8Array(n);
  const cb = new Uint8Array(n);
  const cr = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = d[j] as number;
    const g = d[j + 1] as number;
    const b = d[j + 2] as number;
    y[i] = roundU8(0.299 * r + 0.587 * g + 0.114 * b);
    cb[i] = roundU8(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
    cr[i] = roundU8(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
  }
  return { width: img.width, height: img.height, planes: [y, cb, cr] };
}

/** jfifYcbcrToRgb converts full-range Y, Cb, Cr planes back to an RGB image (rounded and clamped). */
export function jfifYcbcrToRgb(p: Planes3): RgbImage {
  const n = p.width * p.height;
  const [y, cb, cr] = p.planes;
  if (y.length !== n || cb.length !== n || cr.length !== n) throw new RangeError(`planes do not match ${p.width}x${p.height}`);
  const d = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const yy = y[i] as number;
    const u = (cb[i] as number) - 128;
    const v = (cr[i] as number) - 128;
    d[j] = roundU8(yy + 1.402 * v);
    d[j + 1] = roundU8(yy - 0.344136 * u - 0.714136 * v);
    d[j + 2] = roundU8(yy + 1.772 * u);
  }
  return { width: p.width, height: p.height, data: d };
}

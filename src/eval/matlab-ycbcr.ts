import { roundU8 } from './matlab-imresize.js';
import type { Planes3, RgbImage } from '../image/rgb-image.js';

/**
 * MATLAB `rgb2ycbcr` for uint8 images: BT.601 studio range (Y 16..235, Cb/Cr 16..240), the colour
 * space of the SR evaluation protocol and of yuv420p video. With 8-bit R, G, B:
 *   Y  = 16  + ( 65.481 R + 128.553 G +  24.966 B) / 255
 *   Cb = 128 + (-37.797 R -  74.203 G + 112.000 B) / 255
 *   Cr = 128 + (112.000 R -  93.786 G -  18.214 B) / 255
 * (the same as the datasets README's formula with R, G, B in [0, 1] multiplied by 255 first),
 * each rounded half away from zero and saturated, as MATLAB does for uint8 output.
 */

/** matlabYFloat returns the unrounded studio-range Y of 8-bit R, G, B. */
export function matlabYFloat(r: number, g: number, b: number): number {
  return 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
}

/** rgbToMatlabY returns the uint8 Y plane of MATLAB `rgb2ycbcr` applied to an 8-bit RGB image. */
export function rgbToMatlabY(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const y = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    y[i] = roundU8(matlabYFloat(d[j] as number, d[j + 1] as number, d[j + 2] as number));
  }
  return y;
}

/** rgbToMatlabYcbcr returns the uint8 Y, Cb and Cr planes of MATLAB `rgb2ycbcr` of an 8-bit RGB image. */
export function rgbToMatlabYcbcr(img: RgbImage): Planes3 {
  const n = img.width * img.height;
  const y = new Uint8Array(n);
  const cb = new Uint8Array(n);
  const cr = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = d[j] as number;
    const g = d[j + 1] as number;
    const b = d[j + 2] as number;
    y[i] = roundU8(matlabYFloat(r, g, b));
    cb[i] = roundU8(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
    cr[i] = roundU8(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
  }
  return { width: img.width, height: img.height, planes: [y, cb, cr] };
}

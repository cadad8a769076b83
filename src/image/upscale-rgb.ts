import { resizePlaneBicubic } from '../upscale/bicubic.js';
import { jfifYcbcrToRgb, rgbToJfifYcbcr } from './jfif-ycbcr.js';
import { checkUpscaledLuma, type LumaUpscaler } from './luma-upscaler.js';
import type { Planes3, RgbImage } from './rgb-image.js';

/** UpscaledImage is the result of upscaleRgb and the time the model took for its Y plane. */
export interface UpscaledImage {
  readonly image: RgbImage;
  readonly inferMs?: number;
}

/** splitForUpscale is the first half of upscaleRgb: the full-range BT.601 (JFIF) Y, Cb and Cr planes. */
export function splitForUpscale(img: RgbImage): Planes3 {
  return rgbToJfifYcbcr(img);
}

/**
 * joinUpscaled is the second half of upscaleRgb: it takes the model's Y at x`scale` and the source
 * Cb and Cr (width x height), upscales the chroma with the stage's bicubic and returns RGB.
 */
export function joinUpscaled(yUp: Uint8Array, cb: Uint8Array, cr: Uint8Array, width: number, height: number, scale: number): RgbImage {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`invalid scale ${scale}`);
  const dw = width * scale;
  const dh = height * scale;
  const planes = [
    checkUpscaledLuma(yUp, width, height, scale),
    resizePlaneBicubic(cb, width, height, dw, dh),
    resizePlaneBicubic(cr, width, height, dw, dh),
  ] as const;
  return jfifYcbcrToRgb({ width: dw, height: dh, planes });
}

/**
 * upscaleRgb upscales an RGB picture by an integer scale the way the stage upscales video: full-range
 * BT.601 (JFIF) Y through `luma` (the model), Cb and Cr through the stage's bicubic, back to RGB.
 */
export async function upscaleRgb(img: RgbImage, scale: number, luma: LumaUpscaler): Promise<UpscaledImage> {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`invalid scale ${scale}`);
  const [y, cb, cr] = splitForUpscale(img).planes;
  const out = await luma.upscaleLuma(y, img.width, img.height);
  const image = joinUpscaled(out.y, cb, cr, img.width, img.height, scale);
  return out.inferMs === undefined ? { image } : { image, inferMs: out.inferMs };
}

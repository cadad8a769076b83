import { resizePlaneBicubic } from '../upscale/bicubic.js';
import { jfifYcbcrToRgb, rgbToJfifYcbcr } from './jfif-ycbcr.js';
import { checkUpscaledLuma, type LumaUpscaler } from './luma-upscaler.js';
import type { RgbImage } from './rgb-image.js';

/** UpscaledImage is the result of upscaleRgb and the time the model took for its Y plane. */
export interface UpscaledImage {
  readonly image: RgbImage;
  readonly inferMs?: number;
}

/**
 * upscaleRgb upscales an RGB picture by an integer scale the way the stage upscales video: full-range
 * BT.601 (JFIF) Y through `luma` (the model), Cb and Cr through the stage's bicubic, back to RGB.
 */
export async function upscaleRgb(img: RgbImage, scale: number, luma: LumaUpscaler): Promise<UpscaledImage> {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`invalid scale ${scale}`);
  const { width: w, height: h } = img;
  const dw = w * scale;
  const dh = h * scale;
  const [y, cb, cr] = rgbToJfifYcbcr(img).planes;
  const out = await luma.upscaleLuma(y, w, h);
  const planes = [
    checkUpscaledLuma(out.y, w, h, scale),
    resizePlaneBicubic(cb, w, h, dw, dh),
    resizePlaneBicubic(cr, w, h, dw, dh),
  ] as const;
  const image = jfifYcbcrToRgb({ width: dw, height: dh, planes });
  return out.inferMs === undefined ? { image } : { image, inferMs: out.inferMs };
}

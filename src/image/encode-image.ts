import jpeg from 'jpeg-js';
import { encodePng } from './encode-png.js';
import type { ImageFormat } from './image-format.js';
import type { RgbImage } from './rgb-image.js';
import { encodeWebpRgba } from './webp-codec.js';

/** EncodeOptions: quality 1..100 for JPEG and lossy WebP (PNG is lossless and ignores it). */
export interface EncodeOptions {
  readonly quality: number;
}

/** DEFAULT_QUALITY is the JPEG/WebP quality when none is asked for. */
export const DEFAULT_QUALITY = 90;

function toRgba(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 4);
  const d = img.data;
  for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
    out[k] = d[j] as number;
    out[k + 1] = d[j + 1] as number;
    out[k + 2] = d[j + 2] as number;
    out[k + 3] = 255;
  }
  return out;
}

/** encodeImage encodes an RGB picture as PNG (8-bit truecolour), baseline JPEG or lossy WebP at `quality`. */
export async function encodeImage(img: RgbImage, format: ImageFormat, o: EncodeOptions = { quality: DEFAULT_QUALITY }): Promise<Uint8Array> {
  if (format === 'png') return encodePng(img);
  const rgba = { width: img.width, height: img.height, data: toRgba(img) };
  if (format === 'jpeg') return jpeg.encode(rgba, o.quality).data;
  return encodeWebpRgba(rgba, { quality: o.quality, lossless: false });
}

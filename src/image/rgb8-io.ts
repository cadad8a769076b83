import sharp from 'sharp';
import { UprezError, errorMessage } from '../errors.js';
import { NOT_AN_IMAGE } from './image-codec.js';
import type { OutputFormat } from './image-format.js';
import { detectImageFormat } from './magic-bytes.js';
import { createRgbImage, type RgbImage } from './rgb-image.js';

/**
 * 8-bit RGB in and out of image files, whole, for the evaluation (`uprez eval`) and tests: the
 * samples as stored (no colour-profile conversion, like MATLAB's imread), alpha dropped, 16-bit
 * reduced to 8. `uprez image` does not use this: it tiles (see upscale-image-file.ts).
 */

/** decodeRgb8 decodes image bytes to 8-bit RGB. Errors: IMAGE_UNSUPPORTED, IMAGE_CORRUPT. */
export async function decodeRgb8(bytes: Uint8Array): Promise<RgbImage> {
  const format = detectImageFormat(bytes);
  if (format === undefined) throw new UprezError('IMAGE_UNSUPPORTED', NOT_AN_IMAGE);
  try {
    const { data, info } = await sharp(bytes, { page: 0, pages: 1 })
      .keepIccProfile()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new UprezError('IMAGE_CORRUPT', `decoder returned ${info.channels} channels`);
    return createRgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch (err) {
    throw new UprezError('IMAGE_CORRUPT', `cannot decode ${format.toUpperCase()}: ${errorMessage(err)}`, { cause: err });
  }
}

/** encodeRgb8 encodes an RGB picture (PNG and TIFF lossless; JPEG, WebP and AVIF at `quality`). */
export async function encodeRgb8(img: RgbImage, format: OutputFormat = 'png', quality = 90): Promise<Buffer> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  switch (format) {
    case 'png':
      return s.png().toBuffer();
    case 'jpeg':
      return s.jpeg({ quality }).toBuffer();
    case 'webp':
      return s.webp({ quality }).toBuffer();
    case 'avif':
      return s.avif({ quality }).toBuffer();
    case 'tiff':
      return s.tiff({ compression: 'deflate' }).toBuffer();
  }
}

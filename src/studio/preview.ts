import sharp from 'sharp';
import { UprezError, errorMessage } from '../errors.js';

/** PREVIEW_MAX_SIDE bounds the previews the page compares (a browser cannot show a 24000 px picture). */
export const PREVIEW_MAX_SIDE = 4096;

/**
 * renderPreview renders an image for the browser: upright, in sRGB, at most PREVIEW_MAX_SIDE a
 * side (never enlarged), as lossless-looking WebP (alpha kept), whatever format it is stored in.
 */
export async function renderPreview(file: string, maxSide = PREVIEW_MAX_SIDE): Promise<Buffer> {
  try {
    return await sharp(file, { autoOrient: true, limitInputPixels: false })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .webp({ quality: 92 })
      .toBuffer();
  } catch (err) {
    throw new UprezError('PREVIEW_FAILED', `cannot render a preview: ${errorMessage(err)}`, { cause: err });
  }
}

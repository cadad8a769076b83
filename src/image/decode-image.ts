import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UprezError } from '../errors.js';
import type { ImageFormat } from './image-format.js';
import type { RgbImage } from './rgb-image.js';
import { decodeWebpRgba, readWebpInfo } from './webp-codec.js';

export type { ImageFormat } from './image-format.js';

/** Images larger than this many pixels are refused before decoding (decompression bombs). */
export const MAX_IMAGE_PIXELS = 100_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** detectImageFormat recognises PNG, JPEG and WebP by their leading bytes (not by file name), or returns undefined. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'webp';
  return undefined;
}

function corrupt(format: ImageFormat, cause: unknown): UprezError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new UprezError('IMAGE_CORRUPT', `cannot decode ${format.toUpperCase()}: ${why}`, { cause });
}

function checkSize(width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new UprezError('IMAGE_TOO_LARGE', `image is ${width}x${height}, more than ${MAX_IMAGE_PIXELS} pixels`);
  }
}

function decodePng(bytes: Uint8Array): RgbImage {
  // IHDR must be the first chunk: width and height are big-endian at offsets 16 and 20.
  if (bytes.length >= 24 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR') {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(view.getUint32(16), view.getUint32(20));
  }
  let png: PNG;
  try {
    // pngjs expands palette/grey/16-bit input to 8-bit RGBA.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw corrupt('png', err);
  }
  return dropAlpha(png.width, png.height, png.data);
}

function decodeJpeg(bytes: Uint8Array): RgbImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
  } catch (err) {
    throw corrupt('jpeg', err);
  }
  if (img.width <= 0 || img.height <= 0 || img.data.length !== img.width * img.height * 3) {
    throw corrupt('jpeg', new Error(`decoder returned ${img.data.length} bytes for ${img.width}x${img.height}`));
  }
  return { width: img.width, height: img.height, data: img.data };
}

function dropAlpha(width: number, height: number, rgba: Uint8Array | Uint8ClampedArray): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0, j = 0, k = 0; i < n; i++, j += 4, k += 3) {
    data[k] = rgba[j] as number;
    data[k + 1] = rgba[j + 1] as number;
    data[k + 2] = rgba[j + 2] as number;
  }
  return { width, height, data };
}

async function decodeWebp(bytes: Uint8Array): Promise<RgbImage> {
  const info = readWebpInfo(bytes);
  if (!info || info.width <= 0 || info.height <= 0) throw corrupt('webp', new Error('no VP8, VP8L or VP8X header'));
  if (info.animated) throw new UprezError('IMAGE_UNSUPPORTED', 'animated WebP is not supported (only still images)');
  checkSize(info.width, info.height);
  const px = await decodeWebpRgba(bytes);
  if (px.width !== info.width || px.height !== info.height) {
    throw corrupt('webp', new Error(`header says ${info.width}x${info.height}, decoder returned ${px.width}x${px.height}`));
  }
  return dropAlpha(px.width, px.height, px.data);
}

/**
 * decodeImage decodes PNG or JPEG bytes to 8-bit RGB (alpha is discarded; 16-bit PNG is reduced to
 * 8 bits). Errors: IMAGE_UNSUPPORTED (not PNG or JPEG; WebP needs decodeImageAsync), IMAGE_CORRUPT,
 * IMAGE_TOO_LARGE.
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const format = detectImageFormat(bytes);
  if (format === 'png') return decodePng(bytes);
  if (format === 'jpeg') return decodeJpeg(bytes);
  if (format === 'webp') throw new UprezError('IMAGE_UNSUPPORTED', 'WebP is decoded by decodeImageAsync');
  throw unsupported();
}

function unsupported(): UprezError {
  return new UprezError('IMAGE_UNSUPPORTED', 'not a PNG, JPEG or WebP file');
}

/** decodeImageAsync is decodeImage for PNG, JPEG and WebP (the WebP codec loads on first use); returns the format found too. */
export async function decodeImageAsync(bytes: Uint8Array): Promise<{ image: RgbImage; format: ImageFormat }> {
  const format = detectImageFormat(bytes);
  if (format === undefined) throw unsupported();
  return { image: format === 'webp' ? await decodeWebp(bytes) : decodeImage(bytes), format };
}

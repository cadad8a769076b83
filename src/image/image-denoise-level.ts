/**
 * The denoise level an image needs (`uprez image --denoise auto`), read from its head without
 * decoding: lossless formats (PNG, TIFF, GIF, lossless WebP) are level 0; a JPEG's level follows
 * its quality, estimated from its quantisation tables (jpeg-quality.ts), with boundaries measured on
 * Set5 x2 through JPEG (models/train/jpeg_gains.py, models/README.md "Denoise levels"): where the
 * next level's model starts to gain more over bicubic than this one's (uprez-x2 best at q 95, the
 * -d1 member at q 88-92, -d2 at q 45-85, -d3 at q 20-40). Lossy WebP, AVIF and HEIF
 * get level 0 with a note: their quantiser is not read (it lies behind an entropy coder).
 */
import { open } from 'node:fs/promises';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { jpegQualityOf } from './jpeg-quality.js';
import { detectImageFormat } from './magic-bytes.js';

/** IMAGE_HEAD_BYTES is how much of a file is read: DQT comes after EXIF (at most 64 KiB) and other APPn segments. */
export const IMAGE_HEAD_BYTES = 256 * 1024;

/** JPEG_LEVEL_BOUNDARIES: the lowest JPEG quality of levels 0, 1 and 2 (below the last: level 3). */
export const JPEG_LEVEL_BOUNDARIES: readonly [number, number, number] = [94, 87, 43];

/** ImageDenoiseLevel is the level an image asks for and why (for the output's notes). */
export interface ImageDenoiseLevel {
  readonly level: DenoiseLevel;
  /** e.g. "JPEG quality ~30" or "lossless PNG". */
  readonly reason: string;
}

/** levelForJpegQuality maps an (IJG) JPEG quality 1..100 to a level (pure). */
export function levelForJpegQuality(quality: number): DenoiseLevel {
  const [l0, l1, l2] = JPEG_LEVEL_BOUNDARIES;
  if (quality >= l0) return 0;
  if (quality >= l1) return 1;
  if (quality >= l2) return 2;
  return 3;
}

/** webpIsLossless says whether a WebP's image chunk is VP8L (lossless), walking the RIFF chunks of `head`; null when not found. */
export function webpIsLossless(head: Uint8Array): boolean | null {
  const tag = (p: number): string => String.fromCharCode(...head.subarray(p, p + 4));
  let p = 12;
  while (p + 8 <= head.length) {
    const id = tag(p);
    if (id === 'VP8L') return true;
    if (id === 'VP8 ') return false;
    const size =
      (head[p + 4] as number) | ((head[p + 5] as number) << 8) | ((head[p + 6] as number) << 16) | ((head[p + 7] as number) << 24);
    p += 8 + (size >>> 0) + (size & 1);
  }
  return null;
}

/** denoiseLevelOfHead is the level for a file's first bytes (pure). */
export function denoiseLevelOfHead(head: Uint8Array): ImageDenoiseLevel {
  const format = detectImageFormat(head.subarray(0, 64));
  switch (format) {
    case 'jpeg': {
      const est = jpegQualityOf(head);
      if (!est) return { level: 0, reason: 'JPEG whose quantisation tables were not found in its first 256 KiB: level 0' };
      return { level: levelForJpegQuality(est.quality), reason: `JPEG quality ~${est.quality}` };
    }
    case 'png':
    case 'tiff':
    case 'gif':
      return { level: 0, reason: `lossless ${format.toUpperCase()}` };
    case 'webp': {
      const lossless = webpIsLossless(head);
      return lossless ? { level: 0, reason: 'lossless WebP' } : { level: 0, reason: 'lossy WebP (its quality is not measured): level 0' };
    }
    default:
      return { level: 0, reason: `${format ? format.toUpperCase() : 'unknown format'} (its quality is not measured): level 0` };
  }
}

/** denoiseLevelOfImage reads the head of `file` and returns its level (errors reading the file propagate). */
export async function denoiseLevelOfImage(file: string): Promise<ImageDenoiseLevel> {
  const fh = await open(file, 'r');
  try {
    const head = new Uint8Array(IMAGE_HEAD_BYTES);
    const { bytesRead } = await fh.read(head, 0, IMAGE_HEAD_BYTES, 0);
    return denoiseLevelOfHead(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { UprezError, errorMessage } from '../errors.js';
import { decodeImageAsync } from './decode-image.js';
import { encodeImage } from './encode-image.js';
import type { ImageFormat } from './image-format.js';
import { writeFileAtomic } from './atomic-write.js';
import { joinUpscaled, splitForUpscale } from './upscale-rgb.js';

/**
 * The two CPU-heavy halves of upscaling one image file, around the model's luma pass: prepareImage
 * (read, decode, split into Y/Cb/Cr) and finishImage (chroma bicubic, back to RGB, encode, write).
 * They run on image worker threads (image-worker.mjs) or inline; both take and return plain data.
 */

/** Inputs larger than this are refused before reading (no image uprez can decode is this big). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** PreparedImage is a decoded input as planes: Y goes to the model, Cb and Cr wait for finishImage. */
export interface PreparedImage {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly y: Uint8Array;
  readonly cb: Uint8Array;
  readonly cr: Uint8Array;
}

/** FinishRequest is the model's Y at x`scale`, the source chroma, and where and how to write the result. */
export interface FinishRequest {
  readonly yUp: Uint8Array;
  readonly cb: Uint8Array;
  readonly cr: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  readonly format: ImageFormat;
  readonly quality: number;
  readonly outPath: string;
}

/** FinishedImage is what finishImage wrote. */
export interface FinishedImage {
  readonly outWidth: number;
  readonly outHeight: number;
  readonly bytes: number;
}

function readReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return errorMessage(err);
}

/** statInput stats an input and checks it is a regular file of sane size (never a FIFO or a device such as /dev/zero); errors are IMAGE_READ. */
export async function statInput(input: string): Promise<Stats> {
  try {
    const st = await stat(input);
    if (st.isDirectory()) throw new Error('is a directory');
    if (!st.isFile()) throw new Error('is not a regular file');
    if (st.size > MAX_INPUT_BYTES) throw new Error(`is ${st.size} bytes, more than ${MAX_INPUT_BYTES}`);
    return st;
  } catch (err) {
    throw new UprezError('IMAGE_READ', readReason(err), { cause: err });
  }
}

/** readInputFile reads an input that statInput accepts; errors are IMAGE_READ. */
export async function readInputFile(input: string): Promise<Buffer> {
  await statInput(input);
  try {
    return await readFile(input);
  } catch (err) {
    throw new UprezError('IMAGE_READ', readReason(err), { cause: err });
  }
}

/** prepareImage reads and decodes one input (PNG, JPEG or WebP) and splits it into full-range Y, Cb, Cr. */
export async function prepareImage(input: string): Promise<PreparedImage> {
  const { image, format } = await decodeImageAsync(await readInputFile(input));
  const [y, cb, cr] = splitForUpscale(image).planes;
  return { format, width: image.width, height: image.height, y, cb, cr };
}

/** finishImage joins the upscaled Y with bicubic chroma, encodes in the asked format and writes the file atomically. */
export async function finishImage(r: FinishRequest): Promise<FinishedImage> {
  const image = joinUpscaled(r.yUp, r.cb, r.cr, r.width, r.height, r.scale);
  const bytes = await encodeImage(image, r.format, { quality: r.quality });
  await writeFileAtomic(r.outPath, bytes);
  return { outWidth: image.width, outHeight: image.height, bytes: bytes.length };
}

import sharp from 'sharp';
import { resizePlaneBicubic } from '../../src/upscale/bicubic.js';
import type { LumaUpscaler } from '../../src/upscale/luma-upscaler.js';

/** Pixels is a decoded file as stored: samples (16-bit as numbers), size, bands, and its metadata. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: ArrayLike<number>;
  readonly meta: sharp.Metadata;
  /** at reads band `c` of pixel (x, y). */
  at(x: number, y: number, c: number): number;
}

/** readPixels decodes a file without any colour conversion (the values as stored, at their own depth). */
export async function readPixels(file: string | Buffer): Promise<Pixels> {
  const meta = await sharp(file).metadata();
  const wide = meta.depth === 'ushort';
  // The stored colour space, or sharp would convert to 8-bit sRGB on the way out.
  const space = ['srgb', 'rgb16', 'b-w', 'grey16'].includes(meta.space ?? '') ? (meta.space as string) : 'srgb';
  const { data, info } = await sharp(file)
    .keepIccProfile()
    .toColourspace(space)
    .raw(wide ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  const samples = wide ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data);
  const { width, height, channels } = info;
  return { width, height, channels, data: samples, meta, at: (x, y, c) => samples[(y * width + x) * channels + c] as number };
}

/** iccText is the printable text of an ICC profile (its description names it: "sRGB", "sP3C" for sharp's Display P3). */
export function iccText(icc: Buffer | undefined): string {
  return icc ? icc.toString('latin1').replace(/[^ -~]/g, '') : '';
}

/** bicubicLuma is a "model" that upscales luma with the stage's bicubic and counts its calls. */
export function bicubicLuma(scale = 2): LumaUpscaler & { calls: number } {
  const l = {
    calls: 0,
    upscaleLuma: async (y: Uint8Array, w: number, h: number) => {
      l.calls++;
      return { y: resizePlaneBicubic(y, w, h, w * scale, h * scale), inferMs: 0 };
    },
  };
  return l;
}

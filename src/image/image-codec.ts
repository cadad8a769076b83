import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { UprezError, errorMessage } from '../errors.js';
import { INPUT_FORMATS, canHold16Bits, canHoldAlpha, type ImageFormat, type OutputFormat } from './image-format.js';
import { detectImageFormat, SNIFF_BYTES } from './magic-bytes.js';
import { orientedSize, toOrientation, type Orientation } from './orientation.js';
import type { PixelLayout } from './tile-pixels.js';

/**
 * Decoding and encoding through sharp (libvips): every input is decoded once into a libvips
 * working file (.v) as stored (orientation is applied tile by tile, see orientation.ts), and the
 * upscaled working file is encoded into the output. libvips streams both, so neither holds the
 * picture in memory. sharp's operation cache is off: each file is read once, and a cached open
 * file would keep a deleted working file's disk space.
 */
sharp.cache(false);

/** MAX_INPUT_PIXELS refuses larger inputs before decoding (decompression bombs): 16383 x 16383, sharp's own default. */
export const MAX_INPUT_PIXELS = 268_402_689;

/** ProfileMode: keep the input's ICC profile and its pixel values (default), or convert the pixels to sRGB. */
export type ProfileMode = 'keep' | 'srgb';

/** ImageProbe is what the header of an input says, before any pixel is decoded. */
export interface ImageProbe {
  readonly format: ImageFormat;
  /** Stored size (before orientation). */
  readonly width: number;
  readonly height: number;
  readonly orientation: Orientation;
  /** Size as shown (after orientation). */
  readonly shown: { readonly width: number; readonly height: number };
  readonly layout: PixelLayout;
  readonly pages: number;
  readonly hasProfile: boolean;
  /** libvips' name of the colour space (srgb, rgb16, b-w, grey16, cmyk, ...). */
  readonly space: string;
  /** sharp's sample format name (uchar, ushort, float, ...). */
  readonly sampleFormat: string;
}

const SHARP_FORMAT: Readonly<Record<string, ImageFormat>> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  tiff: 'tiff',
  gif: 'gif',
  heif: 'heif',
};
const GREY_SPACES = new Set(['b-w', 'grey16']);
/** Colour spaces whose pixels are kept as they are (with their ICC profile); the rest are converted to sRGB. */
const KEPT_SPACES = new Set(['srgb', 'rgb', 'rgb16', 'b-w', 'grey16']);

function unsupported(why: string): UprezError {
  return new UprezError('IMAGE_UNSUPPORTED', why);
}

function corrupt(format: ImageFormat, cause: unknown): UprezError {
  return new UprezError('IMAGE_CORRUPT', `cannot decode ${format.toUpperCase()}: ${errorMessage(cause)}`, { cause });
}

/** NOT_AN_IMAGE is the reason given for a file whose bytes are none of the formats read. */
export const NOT_AN_IMAGE = `not an image uprez reads (${INPUT_FORMATS.map((f) => f.toUpperCase()).join(', ')})`;

/** sniffFile reads a file's first bytes and names its format by them, or undefined. */
export async function sniffFile(file: string): Promise<ImageFormat | undefined> {
  const fh = await open(file, 'r');
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    return detectImageFormat(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * probeImage checks an input by its bytes (magic numbers, then libvips' header parse) and says
 * how it will be decoded. Errors: IMAGE_UNSUPPORTED, IMAGE_CORRUPT, IMAGE_TOO_LARGE.
 */
export async function probeImage(file: string): Promise<ImageProbe> {
  const sniffed = await sniffFile(file);
  if (sniffed === undefined) throw unsupported(NOT_AN_IMAGE);
  let m: sharp.Metadata;
  try {
    m = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw corrupt(sniffed, err);
  }
  const format = SHARP_FORMAT[m.format ?? ''] === 'heif' && sniffed === 'avif' ? 'avif' : SHARP_FORMAT[m.format ?? ''];
  if (format === undefined) throw unsupported(`${NOT_AN_IMAGE}: libvips reads it as ${m.format ?? 'nothing'}`);
  if (format === 'heif' && m.compression !== undefined && m.compression !== 'av1') {
    throw unsupported(
      `HEIF compressed with ${m.compression.toUpperCase()} cannot be decoded by this build of libvips (its libheif decodes AV1, i.e. AVIF, only)`,
    );
  }
  const width = m.width ?? 0;
  const height = m.height ?? 0;
  if (width <= 0 || height <= 0) throw corrupt(format, new Error('no picture size in the header'));
  if (width * height > MAX_INPUT_PIXELS) {
    throw new UprezError('IMAGE_TOO_LARGE', `image is ${width}x${height}, more than ${MAX_INPUT_PIXELS} pixels`);
  }
  const space = m.space ?? 'srgb';
  const grey = GREY_SPACES.has(space);
  const alpha = m.hasAlpha === true;
  const depth = m.depth === 'uchar' || m.depth === 'char' || m.depth === undefined ? 8 : 16;
  const orientation = toOrientation(m.orientation);
  const bands = ((grey ? 1 : 3) + (alpha ? 1 : 0)) as PixelLayout['bands'];
  return {
    format,
    width,
    height,
    orientation,
    shown: orientedSize(width, height, orientation),
    layout: { bands, depth },
    pages: m.pages ?? 1,
    hasProfile: m.hasProfile === true,
    space,
    sampleFormat: m.depth ?? 'uchar',
  };
}

/** DecodeOptions: what happens to the colour profile and to EXIF/XMP/IPTC. */
export interface DecodeOptions {
  readonly profile: ProfileMode;
  readonly metadata: boolean;
}

/** convertsColour says whether decoding converts the pixels to sRGB (asked for, or a space uprez cannot keep, such as CMYK). */
export function convertsColour(p: ImageProbe, o: DecodeOptions): boolean {
  if (!KEPT_SPACES.has(p.space)) return true;
  return o.profile === 'srgb' && p.hasProfile;
}

/** colourspaceOf is the libvips colour space a layout is stored in. */
function colourspaceOf(l: PixelLayout): string {
  const grey = l.bands <= 2;
  if (l.depth === 16) return grey ? 'grey16' : 'rgb16';
  return grey ? 'b-w' : 'srgb';
}

/**
 * decodeToVips decodes the first page of an input, as stored (not turned), into the working file
 * `vFile` (a name ending in .v) in the probe's layout: the ICC profile kept (pixels untouched) or
 * the pixels converted to sRGB and tagged so; EXIF (with orientation 1, since uprez turns the
 * pixels), XMP and IPTC kept only when asked.
 */
export async function decodeToVips(file: string, vFile: string, p: ImageProbe, o: DecodeOptions): Promise<void> {
  let s = sharp(file, { page: 0, pages: 1, limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true });
  // keepMetadata keeps the ICC profile too; withIccProfile then converts instead, when asked.
  if (o.metadata) s = s.keepMetadata();
  if (convertsColour(p, o)) s = s.withIccProfile('srgb');
  else if (p.hasProfile) s = s.keepIccProfile();
  s = s.toColourspace(colourspaceOf(p.layout));
  if (p.layout.bands === 2 || p.layout.bands === 4) s = s.ensureAlpha();
  try {
    await s.toFile(vFile);
  } catch (err) {
    throw corrupt(p.format, err);
  }
}

/** EncodeOptions: quality 1..100 for JPEG, WebP and AVIF (PNG and TIFF are lossless and ignore it), and whether to keep EXIF/XMP/IPTC. */
export interface EncodeOptions {
  readonly quality: number;
  readonly metadata: boolean;
}

/**
 * Up to this many output pixels a JPEG gets optimised Huffman tables (a few % smaller). libjpeg
 * does that in two passes over every DCT coefficient of the picture held in memory (about 600 MB
 * for 96 MP), so larger outputs are written in one pass, in a few MB.
 */
export const JPEG_OPTIMISE_MAX_PIXELS = 16_000_000;

/** DEFAULT_QUALITY is the JPEG/WebP/AVIF quality when none is asked for. */
export const DEFAULT_QUALITY = 90;

/**
 * encodeFromVips encodes the working file `vFile` (layout `l`) as `format` into `outFile` (any
 * name: the format is set, not guessed from it). 16-bit samples stay 16-bit in PNG and TIFF and
 * are reduced to 8 bits otherwise; alpha is flattened onto white for JPEG. The ICC profile in the
 * working file is attached as it is. PNG, TIFF and JPEG (one pass above JPEG_OPTIMISE_MAX_PIXELS,
 * `pixels` being the picture's) stream in a few MB; libwebp and libaom hold the whole picture.
 */
export async function encodeFromVips(
  vFile: string,
  outFile: string,
  format: OutputFormat,
  l: PixelLayout,
  o: EncodeOptions,
  pixels = 0,
): Promise<void> {
  let s = sharp(vFile, { limitInputPixels: false, sequentialRead: true }).keepIccProfile();
  if (o.metadata) s = s.keepMetadata();
  if ((l.bands === 2 || l.bands === 4) && !canHoldAlpha(format)) s = s.flatten({ background: '#ffffff' });
  const depth = l.depth === 16 && canHold16Bits(format) ? 16 : 8;
  s = s.toColourspace(colourspaceOf({ bands: l.bands, depth }));
  switch (format) {
    case 'png':
      s = s.png({ compressionLevel: 6 });
      break;
    case 'jpeg':
      s = s.jpeg({ quality: o.quality, optimiseCoding: pixels <= JPEG_OPTIMISE_MAX_PIXELS });
      break;
    case 'webp':
      s = s.webp({ quality: o.quality });
      break;
    case 'avif':
      s = s.avif({ quality: o.quality });
      break;
    case 'tiff':
      s = s.tiff({ compression: 'deflate', predictor: 'horizontal' });
      break;
  }
  try {
    await s.toFile(outFile);
  } catch (err) {
    throw new UprezError('IMAGE_ENCODE_FAILED', `cannot encode ${format.toUpperCase()}: ${errorMessage(err)}`, { cause: err });
  }
}

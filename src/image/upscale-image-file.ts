import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { tempNameFor } from './atomic-write.js';
import { convertsColour, decodeToVips, encodeFromVips, probeImage, type ImageProbe, type ProfileMode } from './image-codec.js';
import { MAX_SIDE, canHold16Bits, canHoldAlpha, type ImageFormat, type OutputFormat } from './image-format.js';
import { statInput } from './input-file.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import { orientPixels, storedBox, type Orientation, type Rect } from './orientation.js';
import { upscalePlane } from './plane-resample.js';
import { DEFAULT_TILE_LAYOUT, planTiles, type TileLayout, type TileSpec } from './tile-plan.js';
import { bytesPerPixel, joinTile, splitTile, type PixelLayout } from './tile-pixels.js';
import { headerFor, metadataXmlFor, readRows, readVipsFile, writeRows, type VipsHeader } from './vips-file.js';

/** ImageJobRequest is one input to upscale into one output file. */
export interface ImageJobRequest {
  readonly input: string;
  readonly outPath: string;
  readonly format: OutputFormat;
  readonly quality: number;
  readonly scale: number;
  /** A folder for the two working files (on the output's disk: they hold the picture uncompressed). */
  readonly workDir: string;
  readonly profile: ProfileMode;
  readonly metadata: boolean;
  readonly tile?: TileLayout;
  /** Tiles in flight at once (default 2: one at the model while the next is prepared). */
  readonly tilesInFlight?: number;
}

/** ImageJobResult is what was read and written. */
export interface ImageJobResult {
  readonly format: ImageFormat;
  /** Input size as shown (after EXIF orientation). */
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
  readonly bytes: number;
  /** Time the model took over all tiles, when it reports it. */
  readonly inferMs: number | null;
  readonly tiles: number;
  /** What was changed that a user may not expect ("16-bit reduced to 8 bits for JPEG", ...). */
  readonly notes: readonly string[];
}

/** notesFor lists what the run does to this input beyond upscaling it. */
export function notesFor(p: ImageProbe, r: Pick<ImageJobRequest, 'format' | 'profile' | 'metadata'>): string[] {
  const notes: string[] = [];
  const name = r.format.toUpperCase();
  if (p.pages > 1) notes.push(`first of ${p.pages} frames`);
  if (p.orientation !== 1) notes.push(`turned upright (EXIF orientation ${p.orientation})`);
  if (convertsColour(p, r)) notes.push(p.space === 'cmyk' ? 'CMYK converted to sRGB' : 'colours converted to sRGB');
  if (p.sampleFormat !== 'uchar' && p.sampleFormat !== 'ushort' && p.sampleFormat !== 'char')
    notes.push(`${p.sampleFormat} samples stored as 16-bit`);
  if (p.layout.depth === 16 && !canHold16Bits(r.format)) notes.push(`16-bit reduced to 8 bits for ${name}`);
  if ((p.layout.bands === 2 || p.layout.bands === 4) && !canHoldAlpha(r.format))
    notes.push(`transparency flattened onto white for ${name}`);
  return notes;
}

function tooLarge(why: string): UprezError {
  return new UprezError('IMAGE_TOO_LARGE', why);
}

/** The shape of the input a tile pass needs. */
interface Source {
  readonly fh: FileHandle;
  readonly header: VipsHeader;
  readonly orientation: Orientation;
}

/** TileContext is everything one tile needs besides its own geometry. */
interface TileContext {
  readonly src: Source;
  readonly out: FileHandle;
  readonly outWidth: number;
  readonly scale: number;
  readonly luma: LumaUpscaler;
}

const cropU8 = (src: Uint8Array, width: number, r: Rect): Uint8Array => {
  const out = new Uint8Array(r.w * r.h);
  for (let y = 0; y < r.h; y++) out.set(src.subarray((r.y + y) * width + r.x, (r.y + y) * width + r.x + r.w), y * r.w);
  return out;
};

/** upscaleTile reads one tile's region (through the orientation), upscales it and writes its core; returns the model's ms. */
async function upscaleTile(t: TileSpec, c: TileContext): Promise<number | undefined> {
  const { header, orientation } = c.src;
  const l: PixelLayout = header.layout;
  const box = storedBox(t.region, header.width, header.height, orientation);
  const stored = await readRows(c.src.fh, header, box);
  const px = orientPixels(stored, box, t.region, header.width, header.height, orientation, bytesPerPixel(l));
  const { w, h } = t.region;
  const planes = splitTile(px, w, h, l);
  const s = c.scale;
  const up = await c.luma.upscaleLuma(planes.y8, w, h);
  if (up.y.length !== w * s * h * s) {
    throw new UprezError(
      'MODEL_RUN_FAILED',
      `model returned ${up.y.length} luma samples for a ${w}x${h} tile at x${s}, expected ${w * s * h * s}`,
    );
  }
  const crop: Rect = { x: (t.core.x - t.region.x) * s, y: (t.core.y - t.region.y) * s, w: t.core.w * s, h: t.core.h * s };
  const resample = (p: Float32Array | null): Float32Array | null => (p ? upscalePlane(p, w, h, s, crop) : null);
  const y16 = resample(planes.y16);
  const y8Bicubic = y16 ? resample(Float32Array.from(planes.y8)) : null;
  const y8 = cropU8(up.y, w * s, crop);
  const bytes = joinTile(
    { width: crop.w, height: crop.h, y8, y16, y8Bicubic, cb: resample(planes.cb), cr: resample(planes.cr), alpha: resample(planes.alpha) },
    l,
  );
  await writeRows(c.out, c.outWidth, bytesPerPixel(l), { x: t.core.x * s, y: t.core.y * s, w: crop.w, h: crop.h }, bytes);
  return up.inferMs;
}

/** runTiles upscales every tile, `inFlight` at a time; the first failure stops new tiles, and all started ones settle before it is thrown. */
async function runTiles(
  tiles: readonly TileSpec[],
  c: TileContext,
  inFlight: number,
  onProgress?: (done: number, total: number) => void,
): Promise<number | null> {
  let next = 0;
  let done = 0;
  let inferMs: number | null = null;
  let failure: { err: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < tiles.length) {
      const t = tiles[next++] as TileSpec;
      try {
        const ms = await upscaleTile(t, c);
        if (ms !== undefined) inferMs = (inferMs ?? 0) + ms;
        onProgress?.(++done, tiles.length);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, tiles.length)) }, lane));
  if (failure !== null) throw (failure as { err: unknown }).err;
  return inferMs;
}

/**
 * moveInto renames `from` over `to` (atomic: a reader sees the old file or the new one); across
 * file systems (a mount inside the output folder) it copies to a temp file beside `to` first.
 */
async function moveInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const beside = tempNameFor(to);
    try {
      await copyFile(from, beside);
      await rename(beside, to);
    } finally {
      await rm(beside, { force: true });
    }
  }
}

/**
 * upscaleImageFile upscales one image file into `outPath` in bounded memory: the input is decoded
 * into a working file, read back a tile (plus context) at a time through its EXIF orientation,
 * upscaled (luma by the model, chroma, alpha and 16-bit luma detail by bicubic), written into a
 * second working file, which is encoded into a third renamed over `outPath`. At most
 * `tilesInFlight` tiles are in memory; working and temp files are removed whatever happens.
 */
export async function upscaleImageFile(
  r: ImageJobRequest,
  luma: LumaUpscaler,
  onProgress?: (done: number, total: number) => void,
): Promise<ImageJobResult> {
  await statInput(r.input);
  const p = await probeImage(r.input);
  const outWidth = p.shown.width * r.scale;
  const outHeight = p.shown.height * r.scale;
  const side = MAX_SIDE[r.format];
  if (outWidth > side || outHeight > side)
    throw tooLarge(`x${r.scale} is ${outWidth}x${outHeight}, more than ${r.format.toUpperCase()} allows (${side} a side)`);
  const stem = path.join(r.workDir, `${randomBytes(6).toString('hex')}`);
  const inV = `${stem}.in.v`;
  const outV = `${stem}.out.v`;
  // Encoded in the working folder, so a killed run leaves nothing beside the outputs (its folder is swept).
  const tmp = `${stem}.encoded`;
  let src: FileHandle | undefined;
  let out: FileHandle | undefined;
  try {
    await decodeToVips(r.input, inV, p, r);
    src = await open(inV, 'r');
    const { header, xml } = await readVipsFile(src);
    if (
      header.width !== p.width ||
      header.height !== p.height ||
      header.layout.bands !== p.layout.bands ||
      header.layout.depth !== p.layout.depth
    ) {
      throw new UprezError(
        'IMAGE_INTERNAL',
        `decoded ${header.width}x${header.height}x${header.layout.bands}@${header.layout.depth} for a ${p.width}x${p.height}x${p.layout.bands}@${p.layout.depth} header`,
      );
    }
    out = await open(outV, 'wx');
    const outHeader = headerFor(header.bytes, outWidth, outHeight);
    await out.write(outHeader, 0, outHeader.length, 0);
    const tiles = planTiles(p.shown.width, p.shown.height, r.tile ?? DEFAULT_TILE_LAYOUT);
    const ctx: TileContext = { src: { fh: src, header, orientation: p.orientation }, out, outWidth, scale: r.scale, luma };
    const inferMs = await runTiles(tiles, ctx, r.tilesInFlight ?? 2, onProgress);
    const meta = Buffer.from(metadataXmlFor(xml));
    await out.write(meta, 0, meta.length, outHeader.length + outWidth * outHeight * bytesPerPixel(header.layout));
    await out.close();
    out = undefined;
    await src.close();
    src = undefined;
    await rm(inV, { force: true });
    await encodeFromVips(outV, tmp, r.format, header.layout, r, outWidth * outHeight);
    const { size } = await stat(tmp);
    await moveInto(tmp, r.outPath);
    return {
      format: p.format,
      width: p.shown.width,
      height: p.shown.height,
      outWidth,
      outHeight,
      bytes: size,
      inferMs,
      tiles: tiles.length,
      notes: notesFor(p, r),
    };
  } finally {
    await src?.close();
    await out?.close();
    await Promise.all([rm(inV, { force: true }), rm(outV, { force: true }), rm(tmp, { force: true })]);
  }
}

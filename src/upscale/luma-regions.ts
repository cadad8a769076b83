/**
 * Rectangles of a luma frame for region inference (per-tile scheduling): their type, the checks
 * a request must pass, packing for the worker, and pasting a region's output into a frame. Pure.
 */
import { UprezError } from '../errors.js';

/** LumaRect is a rectangle of the LR frame, in LR pixels. */
export interface LumaRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** RegionOutput is one rectangle's model output: (width*s) x (height*s) HR luma, and its residual when asked. */
export interface RegionOutput {
  readonly rect: LumaRect;
  readonly y: Uint8Array;
  /**
   * The output minus the model's own bicubic skip (both rounded and clamped to 0..255), per HR
   * pixel: add it, feathered, onto a bicubic frame to blend model and bicubic tiles seamlessly.
   */
  readonly residual?: Int16Array;
}

/** RegionsResult is a region request's outputs, in the order asked, and its timing. */
export interface RegionsResult {
  readonly regions: readonly RegionOutput[];
  /** Time the worker spent producing them. */
  readonly inferMs: number;
  /** Time the request waited in its worker behind earlier ones. */
  readonly queuedMs?: number;
}

/** RegionOptions: what a region request returns besides the HR luma. */
export interface RegionOptions {
  readonly residual?: boolean;
}

/** RegionRunner runs the model on rectangles of a frame; each output equals the whole-frame output inside it. */
export interface RegionRunner {
  upscaleLumaRegions(
    y: Uint8Array,
    width: number,
    height: number,
    rects: readonly LumaRect[],
    opts?: RegionOptions,
  ): Promise<RegionsResult>;
}

/** At most this many rectangles per request. */
export const MAX_RECTS = 16_384;
/** Rectangles may overlap, but their total area is at most this many frames. */
export const MAX_RECT_AREA_FRAMES = 4;

/** rectsProblem says what is wrong with a request's rectangles, or null. */
export function rectsProblem(width: number, height: number, rects: readonly LumaRect[]): string | null {
  if (rects.length === 0) return 'no rectangles';
  if (rects.length > MAX_RECTS) return `${rects.length} rectangles (at most ${MAX_RECTS})`;
  let area = 0;
  for (const [i, r] of rects.entries()) {
    const ints = [r.x, r.y, r.width, r.height].every(Number.isInteger);
    if (!ints || r.x < 0 || r.y < 0 || r.width < 1 || r.height < 1 || r.x + r.width > width || r.y + r.height > height) {
      return `rectangle ${i} (${r.x},${r.y} ${r.width}x${r.height}) is not inside the ${width}x${height} frame`;
    }
    area += r.width * r.height;
  }
  if (area > MAX_RECT_AREA_FRAMES * width * height) return `the rectangles cover ${area} pixels, more than ${MAX_RECT_AREA_FRAMES} frames`;
  return null;
}

/** checkRects throws MODEL_INPUT_INVALID (non-fatal) when the request's rectangles are not usable. */
export function checkRects(width: number, height: number, rects: readonly LumaRect[]): void {
  const problem = rectsProblem(width, height, rects);
  if (problem) throw new UprezError('MODEL_INPUT_INVALID', `region request: ${problem}`);
}

/** packRects lays rectangles out as the worker takes them: x, y, width, height per rectangle. */
export function packRects(rects: readonly LumaRect[]): Int32Array {
  const out = new Int32Array(rects.length * 4);
  rects.forEach((r, i) => out.set([r.x, r.y, r.width, r.height], i * 4));
  return out;
}

/** splitOutputs cuts the worker's packed outputs back into one RegionOutput per rectangle (views, no copy). */
export function splitOutputs(rects: readonly LumaRect[], scale: number, y: Uint8Array, residual: Int16Array | null): RegionOutput[] {
  let off = 0;
  return rects.map((rect) => {
    const n = rect.width * scale * rect.height * scale;
    const out: RegionOutput = { rect, y: y.subarray(off, off + n), ...(residual ? { residual: residual.subarray(off, off + n) } : {}) };
    off += n;
    return out;
  });
}

/** pasteRegion copies a region's HR luma into a (width*scale)-wide HR plane at its place. */
export function pasteRegion(dst: Uint8Array, hrWidth: number, scale: number, out: RegionOutput): void {
  const w = out.rect.width * scale;
  const x0 = out.rect.x * scale;
  const y0 = out.rect.y * scale;
  for (let r = 0; r < out.rect.height * scale; r++) dst.set(out.y.subarray(r * w, (r + 1) * w), (y0 + r) * hrWidth + x0);
}

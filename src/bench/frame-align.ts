/**
 * Frame alignment for the viewer-quality benchmark (pure): which truth frame each output frame
 * shows. Output frame i is taken to show truth frame i + offset; the offset is the one, within a
 * small window, that maximises the mean Y-PSNR over a run of frames at the start (or at the end,
 * to check that no frame was dropped or repeated on the way).
 */
import { mseShaved, type PlaneRegion } from '../image/psnr.js';
import type { LumaFrames } from './luma-file.js';

/** PSNR_CAP_DB stands in for identical planes (infinite PSNR), so means stay finite. */
export const PSNR_CAP_DB = 100;

/** framePsnr is the Y-PSNR of one pair of planes over the shaved region, capped at PSNR_CAP_DB. */
export function framePsnr(a: Uint8Array, b: Uint8Array, region: PlaneRegion): number {
  const mse = mseShaved(a, b, region);
  return mse === 0 ? PSNR_CAP_DB : Math.min(PSNR_CAP_DB, 10 * Math.log10((255 * 255) / mse));
}

/** AlignOptions: where to look, how far, over how many frames, and the compared region. */
export interface AlignOptions {
  /** Offsets from -maxOffset to +maxOffset are tried. */
  readonly maxOffset: number;
  /** Frame pairs compared per offset. */
  readonly frames: number;
  readonly shave: number;
  /** Align the first frames (default) or the last. */
  readonly at?: 'start' | 'end';
}

/** Alignment is the best offset, its mean PSNR, and the runner-up (how clear the choice was). */
export interface Alignment {
  readonly offset: number;
  readonly psnr: number;
  readonly pairs: number;
  /** The second-best offset and its mean PSNR; null when only one offset could be tried. */
  readonly runnerUp: { readonly offset: number; readonly psnr: number } | null;
}

/** pairsFor lists the output frame indices compared at `offset` (both frames must exist). */
export function pairsFor(outCount: number, truthCount: number, offset: number, frames: number, at: 'start' | 'end'): number[] {
  const first = Math.max(0, -offset);
  const last = Math.min(outCount, truthCount - offset); // exclusive
  if (last <= first) return [];
  const from = at === 'start' ? first : Math.max(first, last - frames);
  const to = Math.min(last, from + frames);
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/**
 * findOffset tries every offset in the window and keeps the one with the highest mean PSNR
 * (ties: the smaller |offset|, then the smaller offset). Offsets with fewer than half the asked
 * pairs are skipped. Throws when no offset has enough pairs.
 */
export function findOffset(out: LumaFrames, truth: LumaFrames, o: AlignOptions): Alignment {
  if (out.width !== truth.width || out.height !== truth.height) {
    throw new RangeError(`output is ${out.width}x${out.height}, truth ${truth.width}x${truth.height}`);
  }
  if (!Number.isInteger(o.maxOffset) || o.maxOffset < 0 || !Number.isInteger(o.frames) || o.frames < 1) {
    throw new RangeError(`bad alignment window: maxOffset ${o.maxOffset}, frames ${o.frames}`);
  }
  const at = o.at ?? 'start';
  const region = { width: out.width, height: out.height, shave: o.shave };
  const outCache = new Map<number, Uint8Array>();
  const truthCache = new Map<number, Uint8Array>();
  const get = (src: LumaFrames, cache: Map<number, Uint8Array>, i: number): Uint8Array => {
    let p = cache.get(i);
    if (!p) cache.set(i, (p = src.frame(i)));
    return p;
  };
  const scored: { offset: number; psnr: number; pairs: number }[] = [];
  for (let d = -o.maxOffset; d <= o.maxOffset; d++) {
    const idx = pairsFor(out.count, truth.count, d, o.frames, at);
    if (idx.length === 0 || idx.length * 2 < Math.min(o.frames, out.count)) continue;
    let sum = 0;
    for (const i of idx) sum += framePsnr(get(out, outCache, i), get(truth, truthCache, i + d), region);
    scored.push({ offset: d, psnr: sum / idx.length, pairs: idx.length });
  }
  scored.sort((a, b) => b.psnr - a.psnr || Math.abs(a.offset) - Math.abs(b.offset) || a.offset - b.offset);
  const best = scored[0];
  if (!best) throw new RangeError(`no offset within ±${o.maxOffset} has enough frame pairs (${out.count} output, ${truth.count} truth frames)`);
  const second = scored[1];
  return { offset: best.offset, psnr: best.psnr, pairs: best.pairs, runnerUp: second ? { offset: second.offset, psnr: second.psnr } : null };
}

/**
 * Frame alignment for the viewer-quality benchmark (pure): which truth frame each output frame
 * shows. Output frame i is taken to show truth frame i + offset; the offset is the one, within a
 * window, that maximises the mean Y-PSNR over the whole clip, and the same search over the first
 * and the last frames checks that no frame was dropped or repeated on the way (where those frames
 * hold still and cannot tell offsets apart, they defer to the whole clip).
 */
import { mseShaved, type PlaneRegion } from '../eval/psnr.js';
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
  /** Align the first frames (default), the last, or every `step`-th frame of the overlap ('all'; `frames` unused). */
  readonly at?: 'start' | 'end' | 'all';
  /** With 'all': compare every step-th pair (default 1). */
  readonly step?: number;
}

/** Alignment is the best offset, its mean PSNR, and the runner-up (how clear the choice was). */
export interface Alignment {
  readonly offset: number;
  readonly psnr: number;
  readonly pairs: number;
  /** The second-best offset and its mean PSNR; null when only one offset could be tried. */
  readonly runnerUp: { readonly offset: number; readonly psnr: number } | null;
  /** Mean PSNR of every offset tried. */
  readonly scores: ReadonlyMap<number, number>;
}

/** pairsFor lists the output frame indices compared at `offset` (both frames must exist). */
export function pairsFor(
  outCount: number,
  truthCount: number,
  offset: number,
  frames: number,
  at: 'start' | 'end' | 'all',
  step = 1,
): number[] {
  const first = Math.max(0, -offset);
  const last = Math.min(outCount, truthCount - offset); // exclusive
  if (last <= first) return [];
  if (at === 'all') {
    const all: number[] = [];
    for (let i = first; i < last; i += step) all.push(i);
    return all;
  }
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
  const step = Math.max(1, Math.floor(o.step ?? 1));
  // Enough pairs: half the asked run, or with 'all' half of what the full overlap would give.
  const enough = at === 'all' ? Math.min(out.count, truth.count) / step : Math.min(o.frames, out.count);
  const plans = new Map<number, Set<number>>();
  for (let d = -o.maxOffset; d <= o.maxOffset; d++) {
    const idx = pairsFor(out.count, truth.count, d, o.frames, at, step);
    if (idx.length > 0 && idx.length * 2 >= enough) plans.set(d, new Set(idx));
  }
  // One pass in output order: each output frame is read once, truth frames are kept only while
  // an offset in the window can still use them.
  const sums = new Map<number, number>();
  const truthCache = new Map<number, Uint8Array>();
  const rows = [...new Set([...plans.values()].flatMap((p) => [...p]))].sort((a, b) => a - b);
  for (const i of rows) {
    const op = out.frame(i);
    for (const j of truthCache.keys()) if (j < i - o.maxOffset) truthCache.delete(j);
    for (const [d, idx] of plans) {
      if (!idx.has(i)) continue;
      let tp = truthCache.get(i + d);
      if (!tp) truthCache.set(i + d, (tp = truth.frame(i + d)));
      sums.set(d, (sums.get(d) ?? 0) + framePsnr(op, tp, region));
    }
  }
  const scored = [...plans].map(([d, idx]) => ({ offset: d, psnr: (sums.get(d) ?? 0) / idx.size, pairs: idx.size }));
  scored.sort((a, b) => b.psnr - a.psnr || Math.abs(a.offset) - Math.abs(b.offset) || a.offset - b.offset);
  const best = scored[0];
  if (!best)
    throw new RangeError(`no offset within ±${o.maxOffset} has enough frame pairs (${out.count} output, ${truth.count} truth frames)`);
  const second = scored[1];
  return {
    offset: best.offset,
    psnr: best.psnr,
    pairs: best.pairs,
    runnerUp: second ? { offset: second.offset, psnr: second.psnr } : null,
    scores: new Map(scored.map((x) => [x.offset, x.psnr])),
  };
}

/** RunAlignment is the offset over the whole clip, the offsets the first and last frames show, and how clear the choice was. */
export interface RunAlignment {
  readonly offset: number;
  readonly startOffset: number;
  readonly endOffset: number;
  /** Mean-PSNR lead (dB) of the chosen offset over the runner-up, over the whole clip. */
  readonly margin: number;
}

/** RunAlignOptions: the window (widened by the frame-count gap), the run of frames at each end, the shave. */
export interface RunAlignOptions {
  readonly maxOffset: number;
  readonly frames: number;
  readonly shave: number;
  /** An end's own best offset replaces the whole clip's only when it leads by this many dB (default 0.5). */
  readonly decisiveDb?: number;
  /** Upper bound on PSNR evaluations for the whole-clip search (frames are sampled to stay under it). */
  readonly budget?: number;
}

/**
 * alignRun aligns a whole run: the offset that fits the whole clip best (frames lost at the start
 * widen the window by the count gap), then the first and last `frames` frames on their own. An end
 * reports a different offset only when it is decisively better there: still frames cannot tell
 * offsets apart, and must not look like a frame lost mid-stream.
 */
export function alignRun(out: LumaFrames, truth: LumaFrames, o: RunAlignOptions): RunAlignment {
  const maxOffset = o.maxOffset + Math.abs(truth.count - out.count);
  const pairs = Math.min(out.count, truth.count);
  const step = Math.max(1, Math.ceil(((2 * maxOffset + 1) * pairs) / (o.budget ?? 40_000)));
  const whole = findOffset(out, truth, { maxOffset, frames: o.frames, shave: o.shave, at: 'all', step });
  const decisive = o.decisiveDb ?? 0.5;
  const end = (at: 'start' | 'end'): number => {
    const a = findOffset(out, truth, { maxOffset, frames: o.frames, shave: o.shave, at });
    const atWhole = a.scores.get(whole.offset);
    return atWhole !== undefined && a.psnr - atWhole < decisive ? whole.offset : a.offset;
  };
  return {
    offset: whole.offset,
    startOffset: end('start'),
    endOffset: end('end'),
    margin: whole.runnerUp ? whole.psnr - whole.runnerUp.psnr : Infinity,
  };
}

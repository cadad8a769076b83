/**
 * Scores what a viewer got against the truth (pure over LumaFrames): mean Y-PSNR of every
 * aligned frame, mean SSIM of every n-th, and flicker on static pixels (the output's
 * frame-to-frame |dY| where the truth did not change at all).
 */
import { ssim } from '../eval/ssim.js';
import { framePsnr } from './frame-align.js';
import type { LumaFrames } from './luma-file.js';

/** ScoreOptions: border shave (the scale, as the SR protocol does) and the SSIM sampling step. */
export interface ScoreOptions {
  readonly shave: number;
  /** SSIM on truth frames whose index is a multiple of ssimEvery (1 = all; SSIM costs ~100x what PSNR does). Sampling by truth index makes every run sample the same frames. */
  readonly ssimEvery: number;
}

/** ClipScore is one run's output against the truth. */
export interface ClipScore {
  /** Aligned frame pairs scored. */
  readonly frames: number;
  /** Mean per-frame Y-PSNR, dB (identical frames count as PSNR_CAP_DB). */
  readonly psnr: number;
  /** Mean SSIM over the sampled frames. */
  readonly ssim: number;
  readonly ssimFrames: number;
  /** Mean |Y(t) - Y(t-1)| of the output over pixels whose truth did not change; NaN without any. */
  readonly staticFlicker: number;
  /** Share of the compared pixels (frames 1..n) whose truth did not change, 0..1. */
  readonly staticShare: number;
  /** Y-PSNR by truth frame index (NaN where no output frame showed it), for gains on common frames. */
  readonly psnrAt: Float64Array;
  /** SSIM by truth frame index (NaN where not shown or not sampled). */
  readonly ssimAt: Float64Array;
}

/** StaticFlicker accumulates output change on pixels where the truth is unchanged. */
export class StaticFlicker {
  private sum = 0;
  private staticPixels = 0;
  private pixels = 0;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly shave: number,
  ) {}

  /** add takes two consecutive truth planes and the two output planes shown for them. */
  add(truthPrev: Uint8Array, truth: Uint8Array, outPrev: Uint8Array, out: Uint8Array): void {
    const { width, height, shave } = this;
    for (let y = shave; y < height - shave; y++) {
      const row = y * width;
      for (let x = row + shave; x < row + width - shave; x++) {
        this.pixels++;
        if (truth[x] !== truthPrev[x]) continue;
        this.staticPixels++;
        this.sum += Math.abs((out[x] as number) - (outPrev[x] as number));
      }
    }
  }

  /** flicker is the mean |dY| over static pixels (NaN when none were static). */
  get flicker(): number {
    return this.staticPixels ? this.sum / this.staticPixels : NaN;
  }

  /** share is the static share of all pixels seen. */
  get share(): number {
    return this.pixels ? this.staticPixels / this.pixels : 0;
  }
}

/** alignedRange is the output frame indices [from, to) that have a truth frame at `offset`. */
export function alignedRange(outCount: number, truthCount: number, offset: number): { from: number; to: number } {
  const from = Math.max(0, -offset);
  return { from, to: Math.max(from, Math.min(outCount, truthCount - offset)) };
}

/** commonMeanDiff is the mean of a[t] - b[t] over the indices where both are numbers (NaN when none). */
export function commonMeanDiff(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < Math.min(a.length, b.length); t++) {
    const x = a[t] as number;
    const y = b[t] as number;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    sum += x - y;
    n++;
  }
  return n ? sum / n : NaN;
}

/** scoreAligned scores output frame i against truth frame i + offset for every pair that exists. */
export function scoreAligned(out: LumaFrames, truth: LumaFrames, offset: number, o: ScoreOptions): ClipScore {
  if (out.width !== truth.width || out.height !== truth.height) {
    throw new RangeError(`output is ${out.width}x${out.height}, truth ${truth.width}x${truth.height}`);
  }
  if (!Number.isInteger(o.ssimEvery) || o.ssimEvery < 1) throw new RangeError(`ssimEvery must be a whole number >= 1, got ${o.ssimEvery}`);
  const region = { width: out.width, height: out.height, shave: o.shave };
  const { from, to } = alignedRange(out.count, truth.count, offset);
  const flicker = new StaticFlicker(out.width, out.height, o.shave);
  const psnrAt = new Float64Array(truth.count).fill(NaN);
  const ssimAt = new Float64Array(truth.count).fill(NaN);
  let psnrSum = 0;
  let ssimSum = 0;
  let ssimFrames = 0;
  let prev: { o: Uint8Array; t: Uint8Array } | null = null;
  for (let i = from; i < to; i++) {
    const op = out.frame(i);
    const tp = truth.frame(i + offset);
    const p = framePsnr(op, tp, region);
    psnrAt[i + offset] = p;
    psnrSum += p;
    if ((i + offset) % o.ssimEvery === 0) {
      const q = ssim(op, tp, region);
      ssimAt[i + offset] = q;
      ssimSum += q;
      ssimFrames++;
    }
    if (prev) flicker.add(prev.t, tp, prev.o, op);
    prev = { o: op, t: tp };
  }
  const frames = to - from;
  return {
    frames,
    psnr: frames ? psnrSum / frames : NaN,
    ssim: ssimFrames ? ssimSum / ssimFrames : NaN,
    ssimFrames,
    staticFlicker: flicker.flicker,
    staticShare: flicker.share,
    psnrAt,
    ssimAt,
  };
}

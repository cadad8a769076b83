/**
 * The stream's model tier, pure: which of the stage's models (best first; "tier" is a model of
 * the model ladder, never an HLS rendition, which is a "rung") a live stream's tiles go to, or
 * none (bicubic). Per-tile scheduling spends whatever the tier can do before each deadline on the
 * tiles where it gains most; this picks the tier whose expected gain is largest: the model's gain
 * over bicubic times the share of the changing pixels it can cover at its measured speed. A
 * smaller model on every tile beats a larger one on a few. Changes need a margin and, upward, a
 * dwell, so the picture does not alternate between models (hysteresis).
 */

/** TierEstimate is what is known of one tier now. */
export interface TierEstimate {
  /** Measured cost (ms of one worker) per LR pixel it produces, halo included; undefined: not measured yet. */
  readonly msPerPixel: number | undefined;
  readonly workers: number;
  /** Its quality over bicubic (dB on the validation set), from its card; only the ordering and ratios matter. */
  readonly gain: number;
  /** False while the tier is failing (error back-off) or gone. */
  readonly available: boolean;
}

/** TierChoiceInput is one decision's input (times in ms). */
export interface TierChoiceInput {
  readonly now: number;
  /** The tier in use: an index into tiers, or tiers.length for none (bicubic). */
  readonly current: number;
  /** When the current tier was chosen. */
  readonly since: number;
  /** LR pixels per frame that need a model run (changed tiles; recent average). */
  readonly neededPixels: number;
  /** Time between frames (recent average). */
  readonly frameIntervalMs: number;
  readonly tiers: readonly TierEstimate[];
  /** Least time on a tier before moving up (0 without hysteresis). */
  readonly dwellMs: number;
  /** A better tier must be better by this fraction (0 without hysteresis). */
  readonly margin: number;
}

/** Share of the workers' time a stream plans to use (the rest absorbs noise and other streams). */
const UTILISATION = 0.85;

/** coverage is the share of the needed pixels tier t can produce per frame interval (0..1). */
export function coverage(t: TierEstimate, neededPixels: number, frameIntervalMs: number): number {
  if (!t.available) return 0;
  if (t.msPerPixel === undefined || neededPixels <= 0) return 1;
  const capacity = (t.workers * frameIntervalMs * UTILISATION) / t.msPerPixel;
  return Math.min(1, capacity / neededPixels);
}

/** tierValue is the expected gain of putting the stream on tier t (0 for none). */
export function tierValue(tiers: readonly TierEstimate[], t: number, neededPixels: number, frameIntervalMs: number): number {
  const tier = tiers[t];
  return tier ? tier.gain * coverage(tier, neededPixels, frameIntervalMs) : 0;
}

/** chooseTier returns the tier to use for the next frame (tiers.length: none). */
export function chooseTier(i: TierChoiceInput): number {
  const none = i.tiers.length;
  if (none === 0) return none;
  let best = none;
  let bestValue = 0;
  for (let t = 0; t < none; t++) {
    const v = tierValue(i.tiers, t, i.neededPixels, i.frameIntervalMs);
    if (v > bestValue) {
      best = t;
      bestValue = v;
    }
  }
  if (best === i.current) return best;
  const current = Math.min(i.current, none);
  // A tier that fails (or is gone) is left at once.
  if (current < none && !(i.tiers[current] as TierEstimate).available) return best;
  const currentValue = tierValue(i.tiers, current, i.neededPixels, i.frameIntervalMs);
  if (bestValue <= currentValue * (1 + i.margin)) return current;
  // Moving to a better model (a lower index) waits out the dwell; a move down to a model that now
  // covers more does not.
  if (best < current && i.now - i.since < i.dwellMs) return current;
  return best;
}

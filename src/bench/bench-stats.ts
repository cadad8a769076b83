/** Small statistics for benchmarks: medians over repeats, percentiles, ratios. Pure. */

/** median of the values (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** fmt prints a number with `digits` decimals, or "n/a" when it is not finite. */
export function fmt(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/**
 * meanAbsDiff is the mean absolute difference of two equal-length 8-bit planes, sampling every
 * `step`-th byte (1 = all): the flicker measure between consecutive luma planes.
 */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array, step = 1): number {
  if (a.length !== b.length) throw new RangeError(`planes differ in size: ${a.length} vs ${b.length}`);
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`step must be a whole number >= 1, got ${step}`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += step, n++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return n ? sum / n : 0;
}

/** FlickerMeter accumulates the mean frame-to-frame luma difference of a sequence of planes. */
export class FlickerMeter {
  private prev: Uint8Array | null = null;
  private sum = 0;
  private pairs = 0;

  constructor(private readonly step = 1) {}

  /** add takes the next plane (copied when it must be kept). */
  add(plane: Uint8Array): void {
    if (this.prev && this.prev.length === plane.length) {
      this.sum += meanAbsDiff(this.prev, plane, this.step);
      this.pairs++;
    }
    this.prev = Uint8Array.from(plane);
  }

  /** value is the mean over the pairs seen so far (NaN with fewer than two planes). */
  get value(): number {
    return this.pairs ? this.sum / this.pairs : NaN;
  }

  /** count is the number of frame pairs measured. */
  get count(): number {
    return this.pairs;
  }
}

/**
 * LatencyPredictor: per input size, a ring of recent model service times; the prediction is a
 * high percentile of them (p95 by default), or the warm-up figure until enough real samples exist.
 * Pure bookkeeping: no clock, no I/O.
 */

/** percentile is the nearest-rank percentile (p in 0..1) of the first `n` values; NaN when n is 0. */
export function percentile(values: ArrayLike<number>, p: number, n = values.length): number {
  if (n <= 0) return NaN;
  const sorted = Array.from({ length: n }, (_, i) => values[i] as number).sort((a, b) => a - b);
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n)));
  return sorted[rank - 1] as number;
}

/** sizeKey names an input size. */
export function sizeKey(width: number, height: number): string {
  return `${width}x${height}`;
}

/** predictionKey names what a prediction is for: one model at one input size (a runner can change model, a stream can change size). */
export function predictionKey(model: string, width: number, height: number): string {
  return `${model}@${sizeKey(width, height)}`;
}

/** Ring is a fixed-size window of the most recent samples. */
export class Ring {
  private readonly buf: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be >= 1, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  /** push adds a sample, dropping the oldest when full. */
  push(v: number): void {
    this.buf[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** size is the number of samples held. */
  get size(): number {
    return this.count;
  }

  /** percentile of the samples held (order does not matter for it); NaN when empty. */
  percentile(p: number): number {
    return percentile(this.buf, p, this.count);
  }

  /** max of the samples held; NaN when empty. */
  max(): number {
    let m = NaN;
    for (let i = 0; i < this.count; i++) m = Number.isNaN(m) ? (this.buf[i] as number) : Math.max(m, this.buf[i] as number);
    return m;
  }
}

/** LatencyPredictorOptions tune the window (default 64), the percentile (0.95) and the samples needed (8). */
export interface LatencyPredictorOptions {
  readonly window?: number;
  readonly percentile?: number;
  readonly minSamples?: number;
}

interface SizeStats {
  readonly ring: Ring;
  warmUp: number | undefined;
  cached: number | undefined;
}

/** LatencyPredictor predicts the next service time for an input size from recent ones. */
export class LatencyPredictor {
  private readonly bySize = new Map<string, SizeStats>();
  private readonly window: number;
  private readonly p: number;
  private readonly minSamples: number;

  constructor(opts: LatencyPredictorOptions = {}) {
    this.window = opts.window ?? 64;
    this.p = opts.percentile ?? 0.95;
    this.minSamples = Math.min(opts.minSamples ?? 8, this.window);
    if (!(this.p > 0 && this.p <= 1)) throw new RangeError(`percentile must be in (0, 1], got ${this.p}`);
  }

  private stats(key: string): SizeStats {
    let s = this.bySize.get(key);
    if (!s) {
      s = { ring: new Ring(this.window), warmUp: undefined, cached: undefined };
      this.bySize.set(key, s);
    }
    return s;
  }

  /** record adds one measured service time (ms) for `key`. */
  record(key: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const s = this.stats(key);
    s.ring.push(ms);
    s.cached = undefined;
  }

  /** setWarmUp sets the figure used before `minSamples` real samples exist. */
  setWarmUp(key: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const s = this.stats(key);
    s.warmUp = ms;
    s.cached = undefined;
  }

  /** restart forgets `key`'s samples and starts again from `ms` as its warm-up figure (the model changed speed for good). */
  restart(key: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.bySize.set(key, { ring: new Ring(this.window), warmUp: ms, cached: undefined });
  }

  /** samples is how many real samples are held for `key`. */
  samples(key: string): number {
    return this.bySize.get(key)?.ring.size ?? 0;
  }

  /**
   * predict returns the expected service time (ms) for `key`: the percentile of recent samples
   * once there are enough; before that the warm-up figure, raised to the slowest sample seen so
   * far (early frames must not be predicted faster than they have been); undefined with neither.
   */
  predict(key: string): number | undefined {
    const s = this.bySize.get(key);
    if (!s) return undefined;
    if (s.cached !== undefined) return s.cached;
    let v: number | undefined;
    if (s.ring.size >= this.minSamples) v = s.ring.percentile(this.p);
    else if (s.warmUp !== undefined) v = s.ring.size ? Math.max(s.warmUp, s.ring.max()) : s.warmUp;
    else if (s.ring.size) v = s.ring.max();
    s.cached = v;
    return v;
  }
}

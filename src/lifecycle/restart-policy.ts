/**
 * RestartPolicy: when a supervised child (a decoder or encoder ffmpeg, an inference worker) dies,
 * whether to bring it back and after how long. Restarts are counted over a sliding window; the
 * delay grows with the count in the window; past `maxInWindow` the owner gives up (the stream
 * fails with the reason). One policy for every supervisor, so they back off alike.
 */

/** RestartPolicyOptions: the window, the give-up bound and the delay curve. */
export interface RestartPolicyOptions {
  /** Sliding window restarts are counted over (ms). Default 60 000. */
  readonly windowMs?: number;
  /** Restarts allowed within the window; one more gives up. Infinity: never give up. */
  readonly maxInWindow: number;
  /** Delay before the k-th restart within the window (k from 1). */
  readonly delayMs: (k: number) => number;
  /** Clock (ms); injectable for tests. */
  readonly now?: () => number;
}

/** RestartDecision: restart after `delayMs` (the k-th in the window), or give up after `recent`. */
export type RestartDecision =
  { readonly restart: true; readonly delayMs: number; readonly k: number } | { readonly restart: false; readonly recent: number };

/** RestartPolicy decides restarts; see the file comment. */
export class RestartPolicy {
  private readonly times: number[] = [];
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: RestartPolicyOptions) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** next records a failure and says what to do about it. */
  next(): RestartDecision {
    const now = this.now();
    while (this.times.length && (this.times[0] as number) <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.opts.maxInWindow) return { restart: false, recent: this.times.length };
    this.times.push(now);
    const k = this.times.length;
    return { restart: true, delayMs: this.opts.delayMs(k), k };
  }

  /** recent counts the restarts within the window now. */
  get recent(): number {
    const now = this.now();
    return this.times.filter((t) => t > now - this.windowMs).length;
  }
}

/** streamRestarts: a live stream's decoder and encoder, 0.25 s doubling to 4 s, at most `max` a minute. */
export function streamRestarts(max = 5, now?: () => number): RestartPolicy {
  return new RestartPolicy({ maxInWindow: max, delayMs: (k) => Math.min(250 * 2 ** (k - 1), 4_000), ...(now ? { now } : {}) });
}

/** workerRestarts: inference workers, at once three times a minute, then 1 s doubling to 30 s, never giving up. */
export function workerRestarts(now?: () => number): RestartPolicy {
  return new RestartPolicy({
    maxInWindow: Infinity,
    delayMs: (k) => (k <= 3 ? 0 : Math.min(30_000, 1_000 * 2 ** (k - 4))),
    ...(now ? { now } : {}),
  });
}

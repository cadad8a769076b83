/** Retry delays: exponential growth with jitter, so instances that failed together do not retry together. */

/** BackoffPolicy bounds the delay between attempts. */
export interface BackoffPolicy {
  /** Delay ceiling for the first retry, ms. */
  readonly baseMs: number;
  /** Largest delay, ms: after a long outage the origin is tried again at least this often. */
  readonly maxMs: number;
}

/**
 * backoffDelay is the wait before retry number `failures` (1 = after the first failure): "equal
 * jitter", half of min(maxMs, baseMs * 2^(failures-1)) fixed plus up to the other half at random,
 * so the delay still grows with every failure while concurrent clients spread out.
 * `random` returns [0, 1) (Math.random by default; tests pass a fixed one).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(failures));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/** The stage's time source: milliseconds and timers, injected so tests drive time by hand. */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/** Clock is the stage's time source and timers (ms); tests inject a fake one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
  /**
   * How late a timer may fire because the event loop is busy (ms, a recent high percentile);
   * the stage starts its deadline fallback this much earlier. Absent: 0 (a fake clock).
   */
  timerLagMs?(): number;
}

/** LAG_WINDOW_MS: the event-loop delay figure is the p99 of the last one or two such windows. */
const LAG_WINDOW_MS = 2_000;

let histogram: IntervalHistogram | null = null;
let windowStart = 0;
let previousP99 = 0;

/** timerLagMs reads the process's event-loop delay p99 (ms) over the recent window(s); started on first use. */
function timerLagMs(): number {
  const now = performance.now();
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    windowStart = now;
    return 0;
  }
  // The histogram's own sampling granularity (10 ms) is not lag: subtract it.
  const p99 = Math.max(0, histogram.percentile(99) / 1e6 - 10);
  if (now - windowStart >= LAG_WINDOW_MS) {
    previousP99 = p99;
    histogram.reset();
    windowStart = now;
  }
  return Math.max(p99, previousP99);
}

/** defaultClock is performance.now with the global timers and the event-loop delay monitor. */
export const defaultClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  timerLagMs,
};

/** The stage's time source: milliseconds and timers, injected so tests drive time by hand. */
import { performance } from 'node:perf_hooks';

/** Clock is the stage's time source and timers (ms); tests inject a fake one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

/** defaultClock is performance.now with the global timers. */
export const defaultClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

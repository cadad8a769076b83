/**
 * The per-frame decision, pure: model or bicubic, and why. The stage feeds it the clock, the
 * frame's deadline, what it has in flight and the predictor's figure; it returns the path.
 */
import type { FallbackReason } from './frame.js';

/** SchedulerInput is everything one decision depends on (times in ms on the stage's clock). */
export interface SchedulerInput {
  readonly now: number;
  readonly deadline: number;
  /** A model runner exists (false: `--model none`). */
  readonly hasRunner: boolean;
  /** The model is in an error back-off (repeated failures): skip it for now. */
  readonly modelBackingOff: boolean;
  /** Send times of this stage's requests still at the runner, oldest first (late ones included: they hold a worker). */
  readonly inFlightSentAt: readonly number[];
  /** Requests of other streams at the shared runner (their send times are unknown). */
  readonly othersAhead?: number;
  readonly maxInFlight: number;
  /** Parallel workers in the runner. */
  readonly workers: number;
  /** Predicted service time of one request at this size; undefined when nothing is known yet. */
  readonly serviceMs: number | undefined;
  /** Time the stage needs after the deadline timer fires to produce the bicubic Y (the fallback's own cost). */
  readonly fallbackMs: number;
}

/** Decision is the path for one frame; a model decision carries when the result is expected. */
export type Decision =
  | { readonly path: 'model'; readonly expectedDoneAt: number }
  | { readonly path: 'bicubic'; readonly reason: Exclude<FallbackReason, 'late_result'> };

/**
 * predictDoneAt estimates when a new request would come back: requests of this stage are
 * served FIFO by `workers` workers, each taking `serviceMs`; the new one starts when the worker
 * it queues behind frees up (never before now), then takes serviceMs.
 */
export function predictDoneAt(now: number, inFlightSentAt: readonly number[], workers: number, serviceMs: number): number {
  const w = Math.max(1, workers);
  const done: number[] = [];
  for (let i = 0; i < inFlightSentAt.length; i++) {
    const sent = inFlightSentAt[i] as number;
    const start = i < w ? sent : Math.max(sent, done[i - w] as number);
    // Still in flight, so it finishes no earlier than now.
    done.push(Math.max(start + serviceMs, now));
  }
  const k = done.length;
  const start = k < w ? now : Math.max(now, done[k - w] as number);
  return start + serviceMs;
}

/**
 * withOthers puts other streams' requests at the front of the queue, each assumed half served
 * (sent serviceMs/2 ago): their real send times are unknown, and they are all ahead of a new one.
 */
function withOthers(now: number, own: readonly number[], others: number, serviceMs: number): readonly number[] {
  if (others <= 0) return own;
  const assumed = new Array<number>(others).fill(now - serviceMs / 2);
  return [...assumed, ...own].sort((a, b) => a - b);
}

/**
 * decide picks the path for one frame, in the order of ARCHITECTURE.md: no runner -> no_model;
 * model backing off after repeated errors -> model_error; the stage's in-flight cap reached ->
 * queue_full; predicted to come back after the point where the fallback must start
 * (deadline - fallbackMs) -> predicted_late. With no prediction yet, one request may probe the
 * model while nothing else is in flight (a late probe is caught by the deadline timer).
 */
export function decide(i: SchedulerInput): Decision {
  if (!i.hasRunner) return { path: 'bicubic', reason: 'no_model' };
  if (i.modelBackingOff) return { path: 'bicubic', reason: 'model_error' };
  if (i.inFlightSentAt.length >= i.maxInFlight) return { path: 'bicubic', reason: 'queue_full' };
  if (i.serviceMs === undefined) {
    return i.inFlightSentAt.length === 0 ? { path: 'model', expectedDoneAt: i.now } : { path: 'bicubic', reason: 'predicted_late' };
  }
  const ahead = withOthers(i.now, i.inFlightSentAt, i.othersAhead ?? 0, i.serviceMs);
  const expectedDoneAt = predictDoneAt(i.now, ahead, i.workers, i.serviceMs);
  if (expectedDoneAt > i.deadline - i.fallbackMs) return { path: 'bicubic', reason: 'predicted_late' };
  return { path: 'model', expectedDoneAt };
}

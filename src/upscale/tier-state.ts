/**
 * TierState: what the deadline stage tracks of each model tier: the runner (shared, not owned), its
 * gain, its worker slots (when each is predicted free of this stage's work, requests outstanding),
 * its fixed per-request cost and mean batch time, and its health (failures in a row, rest period).
 */
import type { ModelRunner } from './model-runner.js';

/** TierConfig is one model of the stage's tiers (best first): the runner (shared, not owned) and its gain. */
export interface TierConfig {
  readonly runner: ModelRunner;
  /** Its quality over bicubic (dB, from its card); default: 1 for the first tier, less for each below. */
  readonly gain?: number;
}

/** After this many failed requests in a row a tier rests for ERROR_BACKOFF_MS. */
const ERROR_STREAK = 3;
const ERROR_BACKOFF_MS = 1_000;

/** TierState is one tier as the stage tracks it. */
export interface TierState {
  readonly runner: ModelRunner;
  readonly gain: number;
  /** Its key in the stage's cost predictor. */
  readonly costKey: string;
  /** When each worker slot is predicted free of this stage's work. */
  readonly busyUntil: number[];
  readonly outstanding: number[];
  requestMs: number;
  avgBatchMs: number;
  errorStreak: number;
  backoffUntil: number;
  lastProbe: number;
}

/** tierState makes the state of tier `index` running `t`. */
export function tierState(t: TierConfig, index: number): TierState {
  const workers = Math.max(1, t.runner.info.workers);
  return {
    runner: t.runner,
    gain: t.gain ?? 1 / (1 + 0.25 * index),
    costKey: `${t.runner.info.name}#${index}`,
    busyUntil: new Array<number>(workers).fill(0),
    outstanding: new Array<number>(workers).fill(0),
    requestMs: 1,
    avgBatchMs: 0,
    errorStreak: 0,
    backoffUntil: -Infinity,
    lastProbe: -Infinity,
  };
}

/** tierStates makes the state of each configured tier, best first. */
export function tierStates(tiers: readonly TierConfig[]): TierState[] {
  return tiers.map((t, i) => tierState(t, i));
}

/**
 * successorState is the state of tier `index` when `t` replaces `prev` (a denoise family member:
 * the same graph with other weights, so the same cost): a new cost key, the measured request and
 * batch costs carried over, and the worker slots too when the runner has as many workers (requests
 * still out on the old runner keep the slots busy until they come back).
 */
export function successorState(prev: TierState, t: TierConfig, index: number): TierState {
  const next = tierState(t, index);
  next.requestMs = prev.requestMs;
  next.avgBatchMs = prev.avgBatchMs;
  if (prev.runner === t.runner) {
    next.errorStreak = prev.errorStreak;
    next.backoffUntil = prev.backoffUntil;
    next.lastProbe = prev.lastProbe;
  }
  if (next.busyUntil.length === prev.busyUntil.length) {
    next.busyUntil.splice(0, next.busyUntil.length, ...prev.busyUntil);
    next.outstanding.splice(0, next.outstanding.length, ...prev.outstanding);
  }
  return next;
}

/** releaseSlot marks one request of worker slot `worker` back; an idle slot is free now at the latest. */
export function releaseSlot(tier: TierState, worker: number, now: number): void {
  tier.outstanding[worker] = Math.max(0, (tier.outstanding[worker] as number) - 1);
  if (tier.outstanding[worker] === 0) tier.busyUntil[worker] = Math.min(tier.busyUntil[worker] as number, now);
}

/** recordAnswer notes a request that came back: the mean batch time; returns the failures in a row it ends (0: none). */
export function recordAnswer(tier: TierState, inferMs: number): number {
  tier.avgBatchMs = tier.avgBatchMs === 0 ? inferMs : 0.8 * tier.avgBatchMs + 0.2 * inferMs;
  const streak = tier.errorStreak;
  tier.errorStreak = 0;
  return streak;
}

/** FailureNote says what a failed request means for its tier (for the log). */
export interface FailureNote {
  /** The first failure of a streak. */
  readonly first: boolean;
  /** The tier starts resting now (a fatal error, or the streak reached its bound). */
  readonly restsNow: boolean;
  readonly backoffMs: number;
}

/** recordFailure notes a failed request: a fatal error (the runner is gone) or a streak makes the tier rest, so the stream moves off it. */
export function recordFailure(tier: TierState, fatal: boolean, now: number): FailureNote {
  tier.errorStreak++;
  if (fatal || tier.errorStreak >= ERROR_STREAK) tier.backoffUntil = now + ERROR_BACKOFF_MS;
  return { first: tier.errorStreak === 1, restsNow: tier.errorStreak === ERROR_STREAK || fatal, backoffMs: ERROR_BACKOFF_MS };
}

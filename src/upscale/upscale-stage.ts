/**
 * UpscaleStage: one stream's upscale step between decoder and encoder.
 *
 * Each frame takes the model (Y) + bicubic (U/V) path when the model's predicted return fits
 * before the frame's deadline, else the bicubic path, counted by reason. A model result that is
 * not back by the deadline is not waited for: the frame goes bicubic then (`late_result`) and the
 * result is dropped when it arrives. Frames leave in order, one out for every one in, at the
 * output size; emission is driven by model completions and deadline timers.
 *
 * The paths form a ladder: the model, optionally a cheaper fallback model, then bicubic. A frame
 * takes the best rung that fits. Hysteresis (path-hysteresis.ts) keeps the stream on one rung until
 * it must change: forced off a rung, it steps down at once, stays below for a while and steps back
 * up only with headroom and a model that keeps up with the frame rate (frames held on bicubic that
 * way count as `predicted_late`), with shadow probes of the rung above keeping its prediction fresh.
 * On a CPU that cannot run the model on every frame, the smaller model still can: a steady picture
 * from it rather than a steady bicubic one.
 *
 * Quality mode (files, archives) has no deadline: every frame goes through the model (bicubic only
 * when the model fails on it, `model_error`, or there is none, `no_model`), at most maxInFlight
 * frames are held, and the caller awaits whenReady() before pushing more (backpressure).
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { defaultClock, type Clock } from './clock.js';
import { upscaleChromaBicubic, upscaleLumaBicubic, upscaledGeometry } from './bicubic.js';
import { planesOf, type FallbackReason, type Frame, type FrameGeometry, type UpscaledFrame, type UpscalePath } from './frame.js';
import { LatencyPredictor, Ring, predictionKey } from './latency-predictor.js';
import type { LumaResult, ModelRunner } from './model-runner.js';
import { PathHysteresis, type HysteresisOptions } from './path-hysteresis.js';
import { ReorderQueue } from './reorder-queue.js';
import { StageCounters, type UpscaleStageStats } from './stage-counters.js';
import { decide, type SchedulerInput } from './scheduler.js';

/** Clock and defaultClock are re-exported here: UpscaleStageOptions takes a Clock. */
export { defaultClock, type Clock } from './clock.js';
/** UpscaleStageStats is re-exported here: stats() returns it. */
export type { UpscaleStageStats } from './stage-counters.js';

/** UpscaleObserver receives every emitted frame and every finished inference (for metrics). */
export interface UpscaleObserver {
  onFrame?(f: UpscaledFrame, stageMs: number): void;
  /** `model` is the runner's model name (the stage may use more than one: see fallbackRunner). */
  onInference?(ms: number, model: string): void;
}

/**
 * UpscaleMode: 'deadline' (live: a frame takes bicubic rather than be late) or 'quality'
 * (files: every frame through the model, no deadline, backpressure through whenReady()).
 */
export type UpscaleMode = 'deadline' | 'quality';

/** UpscaleStageOptions configure one stream's stage; the runner is shared and not owned. */
export interface UpscaleStageOptions {
  scale: number;
  /** Deadline mode only (quality mode ignores frame deadlines). */
  latencyBudgetMs: number;
  runner: ModelRunner | null;
  /**
   * Deadline mode: a cheaper model between `runner` and bicubic, for frames the main model cannot
   * take in time (the model ladder). Shared and not owned, like runner. Quality mode ignores it.
   */
  fallbackRunner?: ModelRunner | null;
  /** Default 'deadline'. */
  mode?: UpscaleMode;
  clock?: Clock;
  /**
   * Deadline mode: model requests of this stream at the runner before new frames take bicubic.
   * Quality mode: frames held by the stage (at the model or waiting for order) before whenReady()
   * waits. Default 4.
   */
  maxInFlight?: number;
  /** Deadline mode: path hysteresis (see path-hysteresis.ts); false turns it off (each frame decided alone). */
  hysteresis?: HysteresisOptions | false;
  observer?: UpscaleObserver;
  log: Logger;
}


interface Entry {
  readonly frame: Frame;
  readonly out: Uint8Array;
  readonly outGeometry: FrameGeometry;
  ready: boolean;
  path: UpscalePath;
  reason: FallbackReason | undefined;
  /** The model that made this frame's Y (path 'model'). */
  model: string | undefined;
  timer: unknown;
}

interface InFlight {
  readonly sentAt: number;
  /** The ladder rung (index into the stage's runners) the request went to. */
  readonly rung: number;
  /** null: a shadow probe (measured only, its frame took another path). */
  readonly entry: Entry | null;
}

/** After this many model errors in a row the stage stops asking the model for ERROR_BACKOFF_MS. */
const ERROR_STREAK = 3;
const ERROR_BACKOFF_MS = 1_000;
const WARM_UP_RUNS = 3;
/** A frame that reaches the stage more than budget / this after it arrived was held upstream. */
const HELD_UPSTREAM_FRACTION = 4;

/** UpscaleStage turns decoded frames into upscaled frames, in order, one out per one in. */
export class UpscaleStage {
  private readonly clock: Clock;
  private readonly maxInFlight: number;
  private readonly mode: UpscaleMode;
  /** Every frame pushed and not yet emitted, in arrival order (the reorder buffer). */
  private readonly queue: ReorderQueue<Entry>;
  private readonly inFlight: InFlight[] = [];
  /** Quality mode: frames pushed beyond maxInFlight wait here for a free slot at the model, in order. */
  private readonly waiting: Entry[] = [];
  private readonly listeners = new Set<(f: UpscaledFrame) => void>();
  private readonly predictor = new LatencyPredictor();
  /** Bicubic Y cost at this size: the deadline timer fires this much early so the fallback is on time. */
  private readonly fallbackCost = new Ring(32);
  private readonly counters = new StageCounters();
  private closed = false;
  private errorStreak = 0;
  private backoffUntil = -Infinity;
  private lastGeometry: FrameGeometry | null = null;
  private lastOutGeometry: FrameGeometry | null = null;
  private readonly hysteresis: PathHysteresis | null;
  /** The model ladder, best first (deadline mode: runner, then fallbackRunner; quality mode: runner). */
  private readonly rungs: readonly ModelRunner[];
  /** Smoothed time between frame arrivals (ms): whether the model keeps up with the frame rate. */
  private intervalMs: number | undefined;
  private lastArrival: number | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: UpscaleStageOptions) {
    if (!Number.isInteger(opts.scale) || opts.scale < 1) throw new RangeError(`scale must be a whole number >= 1, got ${opts.scale}`);
    this.clock = opts.clock ?? defaultClock;
    this.mode = opts.mode ?? 'deadline';
    if (this.mode !== 'deadline' && this.mode !== 'quality') throw new RangeError(`mode must be deadline or quality, got ${String(this.mode)}`);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.queue = new ReorderQueue<Entry>(this.maxInFlight);
    this.log = opts.log.child({ stage: 'upscale' });
    const ladder = this.mode === 'deadline' ? [opts.runner, opts.fallbackRunner] : [opts.runner];
    this.rungs = ladder.filter((r): r is ModelRunner => r !== null && r !== undefined);
    this.hysteresis = this.mode === 'deadline' && opts.hysteresis !== false ? new PathHysteresis(opts.hysteresis ?? {}, Math.max(1, this.rungs.length)) : null;
  }

  /** onOutput registers a listener for emitted frames; returns its removal. */
  onOutput(cb: (f: UpscaledFrame) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /**
   * warmUp runs bicubic and the model at this size so the first frames are predicted, not
   * guessed. Never rejects: without a figure the stage still works (it probes the model).
   */
  async warmUp(geometry: FrameGeometry): Promise<void> {
    const out = upscaledGeometry(geometry, this.opts.scale);
    const src = new Uint8Array(geometry.frameSize).fill(128);
    const dst = new Uint8Array(out.frameSize);
    // The first run builds the tap tables and gets compiled; only the second is a cost figure.
    upscaleLumaBicubic(src, geometry, this.opts.scale, dst);
    this.bicubicLuma(src, geometry, dst);
    for (const [i, runner] of this.rungs.entries()) {
      try {
        const times = await runner.warmUp(geometry.width, geometry.height, WARM_UP_RUNS);
        // Each worker's first run pays for allocations at this size; the rest are the figure.
        const steady = times.filter((_, k) => k % WARM_UP_RUNS !== 0);
        const figure = Math.max(...(steady.length ? steady : times));
        this.predictor.setWarmUp(predictionKey(runner.info.name, geometry.width, geometry.height), figure);
        const fields = {
          model: runner.info.name,
          rung: i,
          size: `${geometry.width}x${geometry.height}`,
          modelMs: Number(figure.toFixed(1)),
          bicubicMs: Number(this.fallbackMs().toFixed(1)),
          budgetMs: this.opts.latencyBudgetMs,
        };
        const below = i + 1 < this.rungs.length ? 'the smaller model' : 'bicubic';
        if (this.mode === 'quality' || figure + this.leadMs() <= this.opts.latencyBudgetMs) this.log.info('model warmed up', fields);
        else this.log.warn(`model warmed up but slower than the latency budget: frames will mostly take ${below}`, fields);
      } catch (err) {
        this.log.warn('model warm-up failed; the first frames will probe the model', { model: runner.info.name, err: errorMessage(err) });
      }
    }
  }

  /** push takes one decoded frame; never blocks on the model, never throws. */
  push(frame: Frame): void {
    if (this.closed) {
      this.log.warn('frame pushed after close, ignored', { seq: frame.seq });
      return;
    }
    this.counters.framesIn++;
    if (this.lastArrival !== undefined && frame.arrivedAt > this.lastArrival) {
      const dt = frame.arrivedAt - this.lastArrival;
      this.intervalMs = this.intervalMs === undefined ? dt : 0.9 * this.intervalMs + 0.1 * dt;
    }
    this.lastArrival = frame.arrivedAt;
    const g = frame.geometry;
    const outGeometry = this.outGeometryFor(g);
    const entry: Entry = { frame, out: new Uint8Array(outGeometry.frameSize), outGeometry, ready: false, path: 'bicubic', reason: undefined, model: undefined, timer: null };
    this.queue.push(entry);
    try {
      if (frame.data.length < g.frameSize) throw new RangeError(`frame ${frame.seq} has ${frame.data.length} bytes, ${g.width}x${g.height} needs ${g.frameSize}`);
      if (this.mode === 'quality') this.routeQuality(entry);
      else this.route(entry);
    } catch (err) {
      // Only a malformed frame gets here; it still leaves (black) so the count and order hold.
      this.log.error('frame could not be upscaled; emitting black', { seq: frame.seq, err: errorMessage(err) });
      entry.out.fill(0, 0, outGeometry.lumaSize).fill(128, outGeometry.lumaSize);
      this.finish(entry, 'bicubic', undefined);
    }
    this.drain();
  }

  /** predictionFor is the predicted service time of rung `r` at geometry g (undefined: nothing known yet). */
  private predictionFor(r: number, g: FrameGeometry): number | undefined {
    const runner = this.rungs[r] as ModelRunner;
    return this.predictor.predict(predictionKey(runner.info.name, g.width, g.height));
  }

  /** inFlightAt counts this stage's requests at rung r (probes included: they hold a worker). */
  private inFlightAt(r: number): number {
    let n = 0;
    for (const f of this.inFlight) if (f.rung === r) n++;
    return n;
  }

  /** isBurst: every request of this stage at rung r was sent within one predicted service time of now. */
  private isBurst(r: number, g: FrameGeometry, now: number): boolean {
    const window = this.predictionFor(r, g) ?? 0;
    return this.inFlight.every((f) => f.rung !== r || f.sentAt >= now - window);
  }

  /** schedulerInput describes a frame for rung r; `factor` scales the prediction (headroom for stepping up). */
  private schedulerInput(r: number, frame: Frame, now: number, factor = 1): SchedulerInput {
    const runner = this.rungs[r] as ModelRunner;
    const own = this.inFlight.filter((f) => f.rung === r).map((f) => f.sentAt);
    const serviceMs = this.predictionFor(r, frame.geometry);
    return {
      now,
      deadline: frame.deadline,
      hasRunner: true,
      modelBackingOff: now < this.backoffUntil,
      inFlightSentAt: own,
      othersAhead: Math.max(0, (runner.pending ?? 0) - own.length),
      maxInFlight: this.maxInFlight,
      workers: runner.info.workers,
      serviceMs: serviceMs === undefined ? undefined : serviceMs * factor,
      fallbackMs: this.leadMs(),
    };
  }

  /**
   * fitsWithHeadroom: rung r would take this frame with its prediction scaled by `factor`, and it
   * keeps up with the frame rate (one that cannot would be forced off again within frames: a
   * pulsing picture).
   */
  private fitsWithHeadroom(r: number, frame: Frame, now: number, factor: number): boolean {
    const serviceMs = this.predictionFor(r, frame.geometry);
    const workers = (this.rungs[r] as ModelRunner).info.workers;
    const keepsUp = serviceMs === undefined || this.intervalMs === undefined || serviceMs * factor <= this.intervalMs * workers;
    return keepsUp && decide(this.schedulerInput(r, frame, now, factor)).path === 'model';
  }

  /**
   * bestRungFrom is the first rung from `start` down that takes this frame on its own (no
   * hysteresis), or -1 with the last rung's reason (predicted_late when none was asked).
   */
  private bestRungFrom(start: number, frame: Frame, now: number): { chosen: number; reason: Exclude<FallbackReason, 'late_result'> } {
    let reason: Exclude<FallbackReason, 'late_result'> = 'predicted_late';
    for (let r = start; r < this.rungs.length; r++) {
      const d = decide(this.schedulerInput(r, frame, now));
      if (d.path === 'model') return { chosen: r, reason };
      reason = d.reason;
      if (reason === 'model_error') break;
    }
    return { chosen: -1, reason };
  }

  private route(entry: Entry): void {
    const { frame, out } = entry;
    const g = frame.geometry;
    const now = this.clock.now();
    const n = this.rungs.length;
    const h = this.hysteresis;
    let reason: Exclude<FallbackReason, 'late_result'> = n === 0 ? 'no_model' : 'predicted_late';
    let chosen = -1;
    if (n > 0 && !h) {
      // Each frame alone: the best rung that fits.
      ({ chosen, reason } = this.bestRungFrom(0, frame, now));
    } else if (n > 0 && h && now - frame.arrivedAt > this.opts.latencyBudgetMs / HELD_UPSTREAM_FRACTION) {
      // The frame spent part of its budget before it got here (held while the models warmed up):
      // it takes the best rung at or below the stream's that still fits, but a miss says nothing
      // about the rungs, so the ladder stays where it is.
      ({ chosen, reason } = this.bestRungFrom(h.rung, frame, now));
    } else if (n > 0 && h) {
      let level = h.rung;
      if (level > 0) {
        // Below the top: step up one rung only after the dwell, with headroom; the frame is held
        // on this rung otherwise. A rung above that does not fit even without headroom restarts the dwell.
        const up = decide(this.schedulerInput(level - 1, frame, now));
        if (up.path === 'model') {
          if (h.allowUp(now, () => this.fitsWithHeadroom(level - 1, frame, now, h.returnFactor))) level--;
          else this.counters.held++;
        } else {
          reason = up.reason;
          if (reason !== 'model_error') h.forced(now, level - 1);
        }
      }
      while (level < n && reason !== 'model_error') {
        const d = decide(this.schedulerInput(level, frame, now));
        if (d.path === 'model') {
          chosen = level;
          break;
        }
        reason = d.reason;
        if (reason === 'model_error') break;
        if (reason === 'queue_full' && this.isBurst(level, g, now)) {
          // The cap of this stream's requests at the rung was reached by frames sent within one
          // service time (frames held during warm-up, a decoder catching up): a burst, not a slow
          // rung. This frame tries the rung below; the stream stays where it is.
          level++;
          continue;
        }
        h.forced(now, level);
        level = h.rung;
      }
      const above = h.rung - 1;
      if (above >= 0 && reason !== 'model_error' && h.shouldProbe(now, this.inFlightAt(above), this.predictionFor(above, g))) {
        this.counters.probes++;
        this.send(above, frame, null, now);
      }
    }
    if (chosen < 0) {
      this.bicubicLuma(frame.data, g, out);
      upscaleChromaBicubic(frame.data, g, this.opts.scale, out);
      this.finish(entry, 'bicubic', reason);
      return;
    }
    // Dispatch first (the worker starts at once), then do the chroma here meanwhile.
    this.send(chosen, frame, entry, now);
    upscaleChromaBicubic(frame.data, g, this.opts.scale, out);
    const fireIn = Math.max(0, frame.deadline - this.leadMs() - now);
    entry.timer = this.clock.setTimeout(() => this.onDeadline(entry, chosen), fireIn);
  }

  /** routeQuality: chroma now, Y to the model as soon as a slot is free (no deadline, no timer). */
  private routeQuality(entry: Entry): void {
    const { frame, out } = entry;
    if (this.rungs.length === 0) {
      this.bicubicLuma(frame.data, frame.geometry, out);
      upscaleChromaBicubic(frame.data, frame.geometry, this.opts.scale, out);
      this.finish(entry, 'bicubic', 'no_model');
      return;
    }
    this.waiting.push(entry);
    this.pump();
    upscaleChromaBicubic(frame.data, frame.geometry, this.opts.scale, out);
  }

  /** pump sends waiting quality-mode frames to the model while this stage has slots free. */
  private pump(): void {
    while (this.rungs.length && !this.closed && this.waiting.length && this.inFlight.length < this.maxInFlight) {
      const entry = this.waiting.shift() as Entry;
      this.send(0, entry.frame, entry, this.clock.now());
    }
  }

  /**
   * send sends one frame's Y to the model of rung r; the result lands in onResult / onError.
   * `entry` null: a shadow probe (hysteresis keeps the rung's prediction fresh; only measured).
   */
  private send(r: number, frame: Frame, entry: Entry | null, now: number): void {
    const g = frame.geometry;
    const runner = this.rungs[r] as ModelRunner;
    const key = predictionKey(runner.info.name, g.width, g.height);
    const job: InFlight = { sentAt: now, rung: r, entry };
    this.inFlight.push(job);
    runner.upscaleLuma(planesOf(frame.data, g).y, g.width, g.height).then(
      (res) => this.onResult(job, key, runner.info.name, res),
      (err: unknown) => this.onError(job, err),
    );
  }

  private onResult(job: InFlight, key: string, model: string, r: LumaResult): void {
    this.release(job);
    this.pump();
    const now = this.clock.now();
    const serviceMs = now - job.sentAt - (r.queuedMs ?? 0);
    const predicted = this.predictor.predict(key);
    // A probe clearly faster than the prediction: the slow spell is over. Probes are sparse, so
    // waiting for them to push the spell out of the percentile window would take minutes.
    if (job.entry === null && this.hysteresis && predicted !== undefined && serviceMs * this.hysteresis.returnFactor < predicted) {
      this.predictor.restart(key, serviceMs);
    } else {
      this.predictor.record(key, serviceMs);
    }
    this.safe(() => this.opts.observer?.onInference?.(r.inferMs, model));
    if (this.errorStreak > 0) {
      this.log.info('model answering again', { failedInARow: this.errorStreak });
      this.errorStreak = 0;
    }
    const entry = job.entry;
    if (!entry || this.closed || entry.ready) return; // a probe, or already sent bicubic at its deadline: drop the result
    if (r.y.length !== entry.outGeometry.lumaSize) {
      this.onError(job, new Error(`model returned ${r.y.length} bytes of Y, expected ${entry.outGeometry.lumaSize}`));
      return;
    }
    entry.out.set(r.y, 0);
    entry.model = model;
    this.finish(entry, 'model', undefined);
    this.drain();
  }

  private onError(job: InFlight, err: unknown): void {
    this.release(job);
    this.pump();
    this.errorStreak++;
    if (this.errorStreak === 1) this.log.warn('model inference failed; frame takes bicubic', { seq: job.entry?.frame.seq, err: errorMessage(err) });
    // Quality mode asks the model for every frame: no back-off, each failure is its own fallback.
    if (this.errorStreak >= ERROR_STREAK && this.mode === 'deadline') {
      if (this.errorStreak === ERROR_STREAK) this.log.warn('model keeps failing; backing off', { failedInARow: this.errorStreak, backoffMs: ERROR_BACKOFF_MS });
      this.backoffUntil = this.clock.now() + ERROR_BACKOFF_MS;
    }
    this.hysteresis?.forced(this.clock.now(), job.rung);
    const entry = job.entry;
    if (!entry || this.closed || entry.ready) return;
    this.bicubicLuma(entry.frame.data, entry.frame.geometry, entry.out);
    this.finish(entry, 'bicubic', 'model_error');
    this.drain();
  }

  private onDeadline(entry: Entry, rung: number): void {
    entry.timer = null;
    if (this.closed || entry.ready) return;
    this.hysteresis?.forced(this.clock.now(), rung);
    this.bicubicLuma(entry.frame.data, entry.frame.geometry, entry.out);
    this.finish(entry, 'bicubic', 'late_result');
    this.drain();
  }

  /** release forgets a finished model request (it no longer holds a worker). */
  private release(job: InFlight): void {
    const i = this.inFlight.indexOf(job);
    if (i !== -1) this.inFlight.splice(i, 1);
  }

  private finish(entry: Entry, path: UpscalePath, reason: FallbackReason | undefined): void {
    if (entry.timer !== null) {
      this.clock.clearTimeout(entry.timer);
      entry.timer = null;
    }
    entry.ready = true;
    entry.path = path;
    entry.reason = reason;
  }

  /** drain emits every ready frame at the head of the queue, in order. */
  private drain(): void {
    this.queue.drain((e) => this.emit(e));
  }

  /** emit hands one finished frame to the listeners and counts it. */
  private emit(e: Entry): void {
    const f = e.frame;
    const emittedAt = this.clock.now();
    const out: UpscaledFrame = {
      seq: f.seq,
      pts: f.pts,
      arrivedAt: f.arrivedAt,
      deadline: f.deadline,
      geometry: e.outGeometry,
      data: e.out,
      path: e.path,
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.model ? { model: e.model } : {}),
      emittedAt,
    };
    const stageMs = emittedAt - f.arrivedAt;
    this.counters.emitted(e.path, e.reason, stageMs, e.model);
    for (const cb of this.listeners) this.safe(() => cb(out));
    this.safe(() => this.opts.observer?.onFrame?.(out, stageMs));
  }

  /** bicubicLuma writes the bicubic Y and keeps the cost figure the deadline timers use. */
  private bicubicLuma(src: Uint8Array, g: FrameGeometry, out: Uint8Array): void {
    const t0 = this.clock.now();
    upscaleLumaBicubic(src, g, this.opts.scale, out);
    this.fallbackCost.push(this.clock.now() - t0);
  }

  private fallbackMs(): number {
    return this.fallbackCost.size ? this.fallbackCost.max() : 0;
  }

  /**
   * leadMs is how long before a deadline the fallback must start: its own bicubic Y, plus as
   * much again because the timer can be held up by other work on the event loop (another
   * frame's bicubic, typically the same size), plus the event loop's recent delay p99 (decoder
   * parsing, encoder writes, GC, a busy machine). Measured on the stage's clock.
   */
  private leadMs(): number {
    return 2 * this.fallbackMs() + (this.clock.timerLagMs?.() ?? 0);
  }

  private outGeometryFor(g: FrameGeometry): FrameGeometry {
    if (this.lastGeometry !== g || !this.lastOutGeometry) {
      this.lastGeometry = g;
      this.lastOutGeometry = upscaledGeometry(g, this.opts.scale);
    }
    return this.lastOutGeometry;
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('frame listener threw', { err: errorMessage(err) });
    }
  }

  /**
   * whenReady resolves when the stage takes another frame without exceeding its bound: in quality
   * mode once fewer than maxInFlight frames are held; in deadline mode at once (live frames are
   * never held back, the deadline bounds them). Pushing without waiting is allowed: extra frames
   * wait in order. Resolves on close too.
   */
  whenReady(): Promise<void> {
    if (this.closed || this.mode === 'deadline') return Promise.resolve();
    return this.queue.whenRoom();
  }

  /** flush resolves once every frame pushed so far has been emitted. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.queue.whenEmpty();
  }

  /** stats reports counters and recent stage latency. */
  stats(): UpscaleStageStats {
    return this.counters.snapshot(this.hysteresis?.switches ?? 0);
  }

  /** close stops emitting (frames still queued are dropped), clears timers and releases flush(); idempotent. Does not close the shared runner. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.queue.clear();
    for (const e of dropped) if (e.timer !== null) this.clock.clearTimeout(e.timer);
    this.waiting.length = 0;
    if (dropped.length) this.log.info('upscale stage closed with frames pending', { dropped: dropped.length });
  }
}

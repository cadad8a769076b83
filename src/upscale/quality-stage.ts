/**
 * QualityStage: the upscale step for files and archives (no deadline). Every frame's Y goes
 * through the model (bicubic only when the model fails on it, `model_error`, or there is none,
 * `no_model`), chroma is bicubic; at most maxInFlight frames are held and whenReady() tells the
 * caller when to push more. Frames leave in order, one out per one in.
 */
import { errorMessage, isNonFatal, UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { defaultClock, type Clock } from './clock.js';
import { planesOf, type Frame, type FrameGeometry, type UpscaledFrame } from '../media/frame.js';
import type { LumaResult, ModelRunner } from './model-runner.js';
import { StageCore, type StageEntry } from './stage-core.js';
import type { UpscaleStageStats } from './stage-counters.js';

/** QualityStageOptions: the model (shared, not owned), the scale, the bound. */
export interface QualityStageOptions {
  readonly scale: number;
  readonly runner: ModelRunner | null;
  /** Frames held (at the model or waiting for order) before whenReady() waits. Default 4. */
  readonly maxInFlight?: number;
  readonly clock?: Clock;
  readonly observer?: { onInference?(ms: number, model: string): void };
  readonly log: Logger;
}

/** QualityStage: see the file comment. */
export class QualityStage {
  private readonly core: StageCore;
  private readonly maxInFlight: number;
  private readonly waiting: StageEntry[] = [];
  private inFlight = 0;
  /** A fatal model error: the model is gone for this stage; every frame after takes bicubic. */
  private dead: string | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: QualityStageOptions) {
    this.log = opts.log.child({ stage: 'upscale' });
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.core = new StageCore(opts.scale, opts.clock ?? defaultClock, this.maxInFlight, this.log);
  }

  /** onOutput registers a listener for emitted frames; returns its removal. */
  onOutput(cb: (f: UpscaledFrame) => void): () => void {
    this.core.on('output', cb);
    return () => this.core.off('output', cb);
  }

  /** warmUp runs the model at this size once per worker, so allocations are not paid by the first frames. */
  async warmUp(g: FrameGeometry): Promise<void> {
    const runner = this.opts.runner;
    if (!runner) return;
    try {
      await runner.warmUp(g.width, g.height, 1);
    } catch (err) {
      this.log.warn('model warm-up failed', { model: runner.info.name, err: errorMessage(err) });
    }
  }

  /** push takes one decoded frame; never throws. */
  push(frame: Frame): void {
    if (this.core.closed) return;
    const e = this.core.admit(frame);
    if (!e) return;
    const g = frame.geometry;
    this.core.bicubicChroma(frame.data, g, e.out);
    if (!this.opts.runner || this.dead) {
      this.core.bicubicLuma(frame.data, g, e.out);
      this.core.finish(e, 'bicubic', this.opts.runner ? 'model_error' : 'no_model');
      this.core.drain();
      return;
    }
    this.waiting.push(e);
    this.pump();
  }

  private pump(): void {
    const runner = this.opts.runner;
    while (runner && !this.core.closed && this.waiting.length && this.inFlight < this.maxInFlight) {
      const e = this.waiting.shift() as StageEntry;
      this.inFlight++;
      const g = e.frame.geometry;
      runner.upscaleLuma(planesOf(e.frame.data, g).y, g.width, g.height).then(
        (r) => this.onResult(e, runner.info.name, r),
        (err: unknown) => this.onError(e, err),
      );
    }
  }

  private onResult(e: StageEntry, model: string, r: LumaResult): void {
    this.inFlight--;
    this.pump();
    this.opts.observer?.onInference?.(r.inferMs, model);
    if (this.core.closed) return;
    if (r.y.length !== e.outGeometry.lumaSize) {
      this.onError(
        e,
        new UprezError('MODEL_INVALID', `model returned ${r.y.length} bytes of Y, expected ${e.outGeometry.lumaSize}`),
        false,
      );
      return;
    }
    e.out.set(r.y, 0);
    e.model = model;
    e.modelShare = 1;
    this.core.finish(e, 'model', undefined);
    this.core.drain();
  }

  private onError(e: StageEntry, err: unknown, counted = true): void {
    if (counted) this.inFlight--;
    this.pump();
    // A non-fatal error costs this frame its model pass; a fatal one (the model closed) every frame after.
    if (!isNonFatal(err) && !this.dead) {
      this.dead = errorMessage(err);
      this.log.error('the model is gone; the rest of the frames take bicubic', { err: this.dead });
    } else this.log.warn('model inference failed; frame takes bicubic', { seq: e.frame.seq, err: errorMessage(err) });
    if (this.core.closed) return;
    this.core.bicubicLuma(e.frame.data, e.frame.geometry, e.out);
    this.core.finish(e, 'bicubic', 'model_error');
    this.core.drain();
  }

  /** whenReady resolves once fewer than maxInFlight frames are held (or on close). */
  whenReady(): Promise<void> {
    if (this.core.closed) return Promise.resolve();
    return this.core.queue.whenRoom();
  }

  /** flush resolves once every frame pushed so far has been emitted. */
  flush(): Promise<void> {
    if (this.core.closed) return Promise.resolve();
    return this.core.queue.whenEmpty();
  }

  /** stats reports counters and recent stage latency. */
  stats(): UpscaleStageStats {
    return this.core.stats(0);
  }

  /** close stops emitting (queued frames are dropped); idempotent; the runner is not closed. */
  close(): void {
    this.waiting.length = 0;
    this.core.close();
  }
}

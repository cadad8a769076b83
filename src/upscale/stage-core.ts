/**
 * StageCore: what both upscale stages share: the reorder buffer (frames leave in arrival order,
 * one out per one in), emission to listeners, the counters, and the bicubic path with its cost
 * figure (which the deadline stage's timers use to start a fallback in time).
 */
import type { Logger } from '../log/logger.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import { upscaleChromaBicubic, upscaleLumaBicubic, upscaledGeometry } from './bicubic.js';
import type { Clock } from './clock.js';
import type { FallbackReason, Frame, FrameGeometry, UpscaledFrame, UpscalePath } from '../media/frame.js';
import { Ring } from './latency-predictor.js';
import { ReorderQueue } from './reorder-queue.js';
import { StageCounters, type UpscaleStageStats } from './stage-counters.js';

/** StageEntry is a frame between push and emission. */
export interface StageEntry {
  readonly frame: Frame;
  readonly out: Uint8Array;
  readonly outGeometry: FrameGeometry;
  ready: boolean;
  path: UpscalePath;
  reason: FallbackReason | undefined;
  /** The model that made (most of) this frame's Y. */
  model: string | undefined;
  /** Share of the output Y made by a model, 0..1. */
  modelShare: number;
  timer: unknown;
}

/** StageEvents: frames leaving the stage, in order. */
export interface StageEvents {
  output: (f: UpscaledFrame) => void;
}

/** StageCore holds the shared parts; the stages own one each. */
export class StageCore extends TypedEmitter<StageEvents> {
  readonly queue: ReorderQueue<StageEntry>;
  readonly counters = new StageCounters();
  private readonly bicubicCost = new Ring(32);
  private lastGeometry: FrameGeometry | null = null;
  private lastOutGeometry: FrameGeometry | null = null;
  closed = false;

  constructor(
    readonly scale: number,
    readonly clock: Clock,
    room: number,
    private readonly log: Logger,
  ) {
    super((event, err) => log.error('an upscale listener threw', { event, err: err instanceof Error ? err.message : String(err) }));
    if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be a whole number >= 1, got ${scale}`);
    this.queue = new ReorderQueue<StageEntry>(room);
  }

  /** entryFor makes a frame's entry and queues it (arrival order). */
  entryFor(frame: Frame): StageEntry {
    this.counters.framesIn++;
    const outGeometry = this.outGeometryFor(frame.geometry);
    const e: StageEntry = {
      frame,
      out: new Uint8Array(outGeometry.frameSize),
      outGeometry,
      ready: false,
      path: 'bicubic',
      reason: undefined,
      model: undefined,
      modelShare: 0,
      timer: null,
    };
    this.queue.push(e);
    return e;
  }

  /**
   * admit makes a frame's entry and queues it, or, for a frame shorter than its geometry says, sends
   * it on at once as black (logged: the count and order hold) and returns null.
   */
  admit(frame: Frame): StageEntry | null {
    const e = this.entryFor(frame);
    const g = frame.geometry;
    if (frame.data.length >= g.frameSize) return e;
    this.log.error('frame could not be upscaled; emitting black', { seq: frame.seq, bytes: frame.data.length, needs: g.frameSize });
    this.black(e);
    this.finish(e, 'bicubic', undefined);
    this.drain();
    return null;
  }

  /** bicubicLuma writes the bicubic Y and keeps the cost figure. */
  bicubicLuma(src: Uint8Array, g: FrameGeometry, out: Uint8Array): void {
    const t0 = this.clock.now();
    upscaleLumaBicubic(src, g, this.scale, out);
    this.bicubicCost.push(this.clock.now() - t0);
  }

  /** bicubicChroma writes the bicubic U and V (the model upscales Y only). */
  bicubicChroma(src: Uint8Array, g: FrameGeometry, out: Uint8Array): void {
    upscaleChromaBicubic(src, g, this.scale, out);
  }

  /** black fills an entry's output (a malformed frame still leaves, so the count and order hold). */
  black(e: StageEntry): void {
    e.out.fill(0, 0, e.outGeometry.lumaSize).fill(128, e.outGeometry.lumaSize);
  }

  /** bicubicMs is the recent worst bicubic Y time at the stream's size. */
  bicubicMs(): number {
    return this.bicubicCost.size ? this.bicubicCost.max() : 0;
  }

  /**
   * leadMs is how long before a deadline the fallback must start: its own bicubic Y, plus as much
   * again because the timer can be held up by other work on the event loop (another frame's
   * bicubic), plus the event loop's recent delay p99 (decoder parsing, encoder writes, GC).
   */
  leadMs(): number {
    return 2 * this.bicubicMs() + (this.clock.timerLagMs?.() ?? 0);
  }

  /** finish marks an entry done with its path and reason. */
  finish(e: StageEntry, path: UpscalePath, reason: FallbackReason | undefined): void {
    if (e.timer !== null) {
      this.clock.clearTimeout(e.timer);
      e.timer = null;
    }
    e.ready = true;
    e.path = path;
    e.reason = reason;
  }

  /** drain emits every ready frame at the head of the queue, in order. */
  drain(): void {
    this.queue.drain((e) => this.emitEntry(e));
  }

  private emitEntry(e: StageEntry): void {
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
      modelShare: e.modelShare,
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.model ? { model: e.model } : {}),
      emittedAt,
    };
    this.counters.emitted(e.path, e.reason, emittedAt - f.arrivedAt, e.model, e.modelShare);
    this.emit('output', out);
  }

  /** stats reports the counters. */
  stats(pathSwitches: number): UpscaleStageStats {
    return this.counters.snapshot(pathSwitches);
  }

  /** close drops what is queued and clears its timers; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.queue.clear();
    for (const e of dropped) if (e.timer !== null) this.clock.clearTimeout(e.timer);
    if (dropped.length) this.log.info('upscale stage closed with frames pending', { dropped: dropped.length });
  }

  private outGeometryFor(g: FrameGeometry): FrameGeometry {
    if (this.lastGeometry !== g || !this.lastOutGeometry) {
      this.lastGeometry = g;
      this.lastOutGeometry = upscaledGeometry(g, this.scale);
    }
    return this.lastOutGeometry;
  }
}

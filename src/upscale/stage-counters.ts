/** The stage's counters: frames in and out, by path and fallback reason, and recent stage latency. */
import type { FallbackReason, UpscalePath } from '../media/frame.js';
import { Ring } from './latency-predictor.js';

/** UpscaleStageStats: counters since start and stage latency (emittedAt - arrivedAt) over recent frames. */
export interface UpscaleStageStats {
  framesIn: number;
  framesOut: number;
  byPath: Record<UpscalePath, number>;
  /** Model frames by the model that made them (a ladder has more than one). */
  byModel: Record<string, number>;
  fallbacks: Record<FallbackReason, number>;
  latencyMs: { p50: number; p99: number };
  /** Times the stream changed rung (model <-> smaller model <-> bicubic) under hysteresis. */
  pathSwitches: number;
  /** Frames held on a lower rung than the scheduler alone would pick, by hysteresis (on bicubic: counted in fallbacks.predicted_late). */
  held: number;
  /** Probes of a tier not in use (a tile or two, only measured and cached) sent to keep its figures fresh. */
  probes: number;
  /** Mean share of output Y pixels a model made, over all frames (0..1). */
  modelPixelShare: number;
  /** Frames by the share of their Y pixels a model made: [0,10 %), [10,20 %), ..., [90,100 %), 100 %. */
  modelShareHistogram: number[];
  /** Tiles whose model output was reused from the previous frame (their window did not change). */
  tilesReused: number;
  /** Tiles run through a model. */
  tilesComputed: number;
}

/** StageCounters accumulates what stats() reports. */
export class StageCounters {
  framesIn = 0;
  held = 0;
  probes = 0;
  tilesReused = 0;
  tilesComputed = 0;
  private shareSum = 0;
  private readonly shareHistogram = new Array<number>(11).fill(0);
  private framesOut = 0;
  private readonly byPath: Record<UpscalePath, number> = { model: 0, bicubic: 0 };
  private readonly byModel = new Map<string, number>();
  private readonly fallbacks: Record<FallbackReason, number> = {
    predicted_late: 0,
    queue_full: 0,
    model_error: 0,
    no_model: 0,
    late_result: 0,
  };
  private readonly latency = new Ring(1024);

  /** emitted counts one frame leaving the stage after stageMs. */
  emitted(path: UpscalePath, reason: FallbackReason | undefined, stageMs: number, model: string | undefined, modelShare: number): void {
    this.framesOut++;
    this.shareSum += modelShare;
    const bucket = modelShare >= 1 ? 10 : Math.min(9, Math.floor(modelShare * 10));
    this.shareHistogram[bucket] = (this.shareHistogram[bucket] as number) + 1;
    this.byPath[path]++;
    if (path === 'model' && model !== undefined) this.byModel.set(model, (this.byModel.get(model) ?? 0) + 1);
    if (reason) this.fallbacks[reason]++;
    this.latency.push(stageMs);
  }

  /** snapshot copies the counters out (pathSwitches comes from the hysteresis). */
  snapshot(pathSwitches: number): UpscaleStageStats {
    const p = (q: number) => (this.latency.size ? this.latency.percentile(q) : 0);
    return {
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      byPath: { ...this.byPath },
      byModel: Object.fromEntries(this.byModel),
      fallbacks: { ...this.fallbacks },
      latencyMs: { p50: p(0.5), p99: p(0.99) },
      pathSwitches,
      held: this.held,
      probes: this.probes,
      modelPixelShare: this.framesOut ? this.shareSum / this.framesOut : 0,
      modelShareHistogram: [...this.shareHistogram],
      tilesReused: this.tilesReused,
      tilesComputed: this.tilesComputed,
    };
  }
}

/** The stage's counters: frames in and out, by path and fallback reason, and recent stage latency. */
import type { FallbackReason, UpscalePath } from './frame.js';
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
  /** Shadow probes of the rung above sent while below the top (not frames: their results are only measured). */
  probes: number;
}

/** StageCounters accumulates what stats() reports. */
export class StageCounters {
  framesIn = 0;
  held = 0;
  probes = 0;
  private framesOut = 0;
  private readonly byPath: Record<UpscalePath, number> = { model: 0, bicubic: 0 };
  private readonly byModel = new Map<string, number>();
  private readonly fallbacks: Record<FallbackReason, number> = { predicted_late: 0, queue_full: 0, model_error: 0, no_model: 0, late_result: 0 };
  private readonly latency = new Ring(1024);

  /** emitted counts one frame leaving the stage after stageMs. */
  emitted(path: UpscalePath, reason: FallbackReason | undefined, stageMs: number, model?: string): void {
    this.framesOut++;
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
    };
  }
}

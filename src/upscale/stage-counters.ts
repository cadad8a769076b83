/** The stage's counters: frames in and out, by path and fallback reason, and recent stage latency. */
import type { FallbackReason, UpscalePath } from './frame.js';
import { Ring } from './latency-predictor.js';

/** UpscaleStageStats: counters since start and stage latency (emittedAt - arrivedAt) over recent frames. */
export interface UpscaleStageStats {
  framesIn: number;
  framesOut: number;
  byPath: Record<UpscalePath, number>;
  fallbacks: Record<FallbackReason, number>;
  latencyMs: { p50: number; p99: number };
  /** Times the stream changed path (model <-> bicubic) under hysteresis. */
  pathSwitches: number;
  /** Bicubic frames that were held there by hysteresis (counted in fallbacks.predicted_late). */
  held: number;
  /** Shadow probes sent while on bicubic (not frames: their results are only measured). */
  probes: number;
}

/** StageCounters accumulates what stats() reports. */
export class StageCounters {
  framesIn = 0;
  held = 0;
  probes = 0;
  private framesOut = 0;
  private readonly byPath: Record<UpscalePath, number> = { model: 0, bicubic: 0 };
  private readonly fallbacks: Record<FallbackReason, number> = { predicted_late: 0, queue_full: 0, model_error: 0, no_model: 0, late_result: 0 };
  private readonly latency = new Ring(1024);

  /** emitted counts one frame leaving the stage after stageMs. */
  emitted(path: UpscalePath, reason: FallbackReason | undefined, stageMs: number): void {
    this.framesOut++;
    this.byPath[path]++;
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
      fallbacks: { ...this.fallbacks },
      latencyMs: { p50: p(0.5), p99: p(0.99) },
      pathSwitches,
      held: this.held,
      probes: this.probes,
    };
  }
}

/**
 * What a stream pipeline hands each session (pure wiring): the encoder's settings from the
 * stream's options, and the stream's one upscale stage (deadline mode over the stream's tiers, or
 * what the deps' factory makes in tests).
 */
import type { Logger } from '../log/logger.js';
import type { SessionSetup } from '../session/transcode-session.js';
import type { StagePort } from '../session/session-ports.js';
import { createUpscaleStage, type TierConfig, type UpscaleStage } from '../upscale/upscale-stage.js';
import type { PipelineDeps, PipelineOptions } from './pipeline-options.js';

/** PipelineStage is the stage as the pipeline holds it (stats when it has them). */
export type PipelineStage = StagePort & { stats?: UpscaleStage['stats'] };

/** sessionEncoderOptions are the encoder settings every session of the stream gets. */
export function sessionEncoderOptions(opts: PipelineOptions, deps: PipelineDeps, log: Logger): SessionSetup['encoder'] {
  return {
    binaries: deps.binaries,
    outDir: opts.outDir,
    scale: opts.scale,
    hasAudio: opts.hasAudio,
    segmentSeconds: opts.segmentSeconds,
    listSize: opts.listSize,
    videoEncoder: opts.videoEncoder,
    x264Preset: opts.x264Preset,
    push: opts.push,
    hls: opts.hls,
    log,
  };
}

/** createPipelineStage makes the stream's stage over `tiers` (the deps' factory when given). */
export function createPipelineStage(opts: PipelineOptions, deps: PipelineDeps, tiers: readonly TierConfig[], log: Logger): PipelineStage {
  const o = {
    scale: opts.scale,
    latencyBudgetMs: opts.latencyBudgetMs,
    maxInFlight: opts.maxInFlight,
    hysteresis: opts.hysteresis !== false,
    log,
  };
  if (deps.createStage) return deps.createStage(o);
  return createUpscaleStage({
    mode: 'deadline',
    ...o,
    tiers,
    observer: { onInference: (ms, model) => deps.metrics.modelInferenceSeconds.observe({ model }, ms / 1000) },
  });
}

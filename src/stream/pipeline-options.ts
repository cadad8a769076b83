/** The settings and services of one stream's pipeline (StreamPipeline). */
import type { VideoEncoder, X264PresetChoice } from '../encode/video-codec.js';
import type { PushOutput } from '../encode/push-output.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import type { HlsWriter } from '../hls/hls-writer.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import type { RestartPolicy } from '../lifecycle/restart-policy.js';
import type { Logger } from '../log/logger.js';
import type { UprezMetrics } from '../metrics/metrics.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import type { SessionFactories, StagePort } from '../session/session-ports.js';
import type { TierConfig, UpscaleStage } from '../upscale/upscale-stage.js';
import type { DenoiseSetup } from './pipeline-denoise.js';

/** PipelineOptions are one stream's settings. */
export interface PipelineOptions {
  readonly key: string;
  /** The first publish's feed (the decoder reads it as FLV on stdin). */
  readonly input: FeedSource;
  /** The stream run's playlists: every encoder of the run writes through it; the pipeline ends it. */
  readonly hls: HlsWriter;
  /** The key's share of the cluster (lease, origin output): a lost lease stops the stream; closed at its end. */
  readonly cluster?: ClusterStream | null;
  /** The ladder carries audio (fixed for the stream's life; a later publish without audio gets silence). */
  readonly hasAudio: boolean;
  /** Directory receiving this stream's HLS output. */
  readonly outDir: string;
  /** URL path under which outDir is served, e.g. /hls/KEY. */
  readonly urlPath: string;
  readonly scale: number;
  readonly latencyBudgetMs: number;
  readonly maxInFlight: number;
  readonly segmentSeconds: number;
  /** H.264 encoder for the ladder. Default x264. */
  readonly videoEncoder?: VideoEncoder;
  /** x264's speed preset (default veryfast). */
  readonly x264Preset?: X264PresetChoice;
  /** Also push the top rung (with audio) to this RTMP(S) server (a restream job's `to`). */
  readonly push?: PushOutput;
  /** A steady picture in the upscale stage: tier changes with a margin and a dwell, sticky model tiles (default on). */
  readonly hysteresis?: boolean;
  /** Live playlist window, in segments (default 6); older segments are deleted. */
  readonly listSize?: number;
  /** Decoder and encoder restarts allowed per minute before the stream is failed (default 5). */
  readonly maxRestartsPerMinute?: number;
}

/** PipelineDeps are the process-wide services a pipeline uses (it owns none of them). */
export interface PipelineDeps {
  readonly binaries: FfmpegBinaries;
  /** The model tiers, best first (the model, then a cheaper fallback model); empty: bicubic only. Shared, not owned. */
  readonly tiers: readonly TierConfig[];
  /** The model's denoise family each stream chooses from (--denoise auto), or the fixed level the tiers run; absent: none. */
  readonly denoise?: DenoiseSetup | null;
  readonly metrics: UprezMetrics;
  readonly log: Logger;
  /** What makes a session's decoder and encoder (default: real ffmpeg); tests pass fakes. */
  readonly factories?: SessionFactories;
  /** What makes the stream's upscale stage (default: an UpscaleStage in deadline mode); tests pass fakes. */
  readonly createStage?: (o: {
    scale: number;
    latencyBudgetMs: number;
    maxInFlight: number;
    hysteresis: boolean;
    log: Logger;
  }) => StagePort & { stats?: UpscaleStage['stats'] };
  /** Restart policy (default: streamRestarts(maxRestartsPerMinute)); tests pass one with a fake clock. */
  readonly restarts?: RestartPolicy;
}

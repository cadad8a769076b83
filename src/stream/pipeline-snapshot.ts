/**
 * pipelineSnapshot: one stream as /api/streams shows it, built from what the pipeline knows (its
 * settings, its phase, its frame accounting) and what its upscale stage counted.
 */
import type { VideoInfo } from '../decode/video-info.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import { FALLBACK_REASONS, type FallbackReason } from '../media/frame.js';
import type { TierConfig, UpscaleStageStats } from '../upscale/upscale-stage.js';
import type { DenoiseSnapshot } from './stream-denoise.js';
import type { StreamFrameAccounting } from './stream-frame-accounting.js';
import type { RenditionSnapshot, StreamSnapshot, StreamState } from './stream-snapshot.js';

/** PipelineView is what a snapshot is made of. */
export interface PipelineView {
  readonly key: string;
  readonly state: StreamState;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** The ladder's source size and rate, once the first session knows it. */
  readonly info: VideoInfo | null;
  readonly scale: number;
  readonly tiers: readonly TierConfig[];
  /** The stream's denoise choice (null: the model has no denoise family). */
  readonly denoise: DenoiseSnapshot | null;
  readonly latencyBudgetMs: number;
  readonly hasAudio: boolean;
  readonly framesIn: number;
  readonly count: StreamFrameAccounting;
  /** The stage's counters (absent before the stage exists, or from a stage without them). */
  readonly stats: UpscaleStageStats | undefined;
  readonly restarts: number;
  readonly reconnects: number;
  readonly failure: string | null;
  readonly urlPath: string;
  readonly cluster: ClusterStream | null;
}

/** pipelineSnapshot reports the stream for /api/streams. */
export function pipelineSnapshot(v: PipelineView, renditions: readonly RenditionSnapshot[]): StreamSnapshot {
  const st = v.stats;
  const info = v.info;
  const modelFrames = st?.byPath.model ?? 0;
  const byBicubic = st?.byPath.bicubic ?? 0;
  const fallbacks = Object.fromEntries(FALLBACK_REASONS.map((r) => [r, st?.fallbacks[r] ?? 0])) as Record<FallbackReason, number>;
  const ended = v.state === 'ended' || v.state === 'failed';
  return {
    key: v.key,
    state: v.state,
    startedAt: v.startedAt,
    endedAt: v.endedAt,
    input: info ? { width: info.width, height: info.height, fps: info.fpsNum / info.fpsDen } : null,
    output: info ? { width: info.width * v.scale, height: info.height * v.scale } : null,
    scale: v.scale,
    model: v.tiers[0]?.runner.info.name ?? null,
    fallbackModel: v.tiers[1]?.runner.info.name ?? null,
    provider: v.tiers[0]?.runner.info.provider ?? null,
    denoise: v.denoise,
    latencyBudgetMs: v.latencyBudgetMs,
    hasAudio: v.hasAudio,
    frames: {
      in: v.framesIn,
      out: v.count.out,
      model: modelFrames,
      bicubic: byBicubic,
      byModel: st?.byModel ?? {},
      lost: { ...v.count.lost },
    },
    aiShare: modelFrames + byBicubic > 0 ? modelFrames / (modelFrames + byBicubic) : 0,
    aiPixelShare: st?.modelPixelShare ?? 0,
    aiPixelShareHistogram: st?.modelShareHistogram ?? new Array<number>(11).fill(0),
    tiles: { computed: st?.tilesComputed ?? 0, reused: st?.tilesReused ?? 0 },
    fallbacks,
    deadlineMisses: v.count.deadlineMisses,
    latencyMs: { p50: st?.latencyMs.p50 ?? 0, p99: st?.latencyMs.p99 ?? 0 },
    outputFps: ended ? 0 : v.count.outputFps(),
    restarts: v.restarts,
    reconnects: v.reconnects,
    error: v.failure,
    master: `${v.urlPath}/master.m3u8`,
    renditions,
    origin: v.cluster?.output?.stats() ?? null,
  };
}

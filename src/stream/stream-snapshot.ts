import type { OriginStreamStats } from '../origin/origin-mirror.js';
import type { FallbackReason, UpscalePath } from '../media/frame.js';
import type { DenoiseSnapshot } from './stream-denoise.js';

/**
 * Why a frame the publisher sent did not reach the ladder (metric label values): `decoder_restart`
 * for pictures lost with a crashed decoder or skipped to the next keyframe by its replacement,
 * `encoder_down` for frames upscaled while no encoder was there to take them, `drain_timeout` for
 * pictures still undecoded when a stream that had ended was cut off after the drain time limit
 * (the server was too far behind the publisher).
 */
export type FrameLossReason = 'decoder_restart' | 'encoder_down' | 'drain_timeout';

/** FRAME_LOSS_REASONS lists every FrameLossReason (metrics are initialised with each). */
export const FRAME_LOSS_REASONS: readonly FrameLossReason[] = ['decoder_restart', 'encoder_down', 'drain_timeout'];

/** Lifecycle of one published stream as the API reports it. */
export type StreamState = 'starting' | 'live' | 'reconnecting' | 'ending' | 'ended' | 'failed';

/** A size in pixels. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/** One HLS rendition of a stream, as listed in its master playlist. */
export interface RenditionSnapshot {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly bandwidth: number;
  /** URL path of the media playlist, e.g. /hls/KEY/1280x720/index.m3u8. */
  readonly playlist: string;
}

/** StreamSnapshot is the JSON shape of one stream in /api/streams. */
export interface StreamSnapshot {
  readonly key: string;
  readonly state: StreamState;
  /** ms since epoch. */
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly input: (Size & { readonly fps: number }) | null;
  readonly output: Size | null;
  readonly scale: number;
  readonly model: string | null;
  /** The model ladder's cheaper rung (frames take it before bicubic when `model` cannot keep up); null: none. */
  readonly fallbackModel: string | null;
  readonly provider: 'cpu' | 'cuda' | null;
  /** Which member of the model's denoise family runs and why (--denoise); null: the model has no family. */
  readonly denoise: DenoiseSnapshot | null;
  readonly latencyBudgetMs: number;
  readonly hasAudio: boolean;
  readonly frames: { readonly in: number; readonly out: number } & Readonly<Record<UpscalePath, number>> & {
      /** Model frames by the model that made them (`model` and `fallbackModel`). */
      readonly byModel: Readonly<Record<string, number>>;
      /** Frames lost on the way, by reason (all zero unless a decoder or encoder failed). */
      readonly lost: Readonly<Record<FrameLossReason, number>>;
    };
  /** Share of output frames most of whose luma a model made, 0..1. */
  readonly aiShare: number;
  /** Share of output luma pixels a model made (per-tile scheduling: mean over frames), 0..1. */
  readonly aiPixelShare: number;
  /** Frames by the share of their luma a model made: [0,10 %), ..., [90,100 %), 100 %. */
  readonly aiPixelShareHistogram: readonly number[];
  /** Tiles run through a model, and tiles whose previous output was reused (nothing changed in them). */
  readonly tiles: { readonly computed: number; readonly reused: number };
  readonly fallbacks: Readonly<Record<FallbackReason, number>>;
  readonly deadlineMisses: number;
  /** Stage latency (decoder-out to encoder-in), ms, over a recent window. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** Measured output frame rate over the last seconds. */
  readonly outputFps: number;
  /** Decoder/encoder restarts after a crash. */
  readonly restarts: number;
  /** Times the publisher dropped and came back within the reconnect window. */
  readonly reconnects: number;
  /** Why the stream failed (state "failed"), in one line; null otherwise. */
  readonly error: string | null;
  readonly master: string;
  readonly renditions: readonly RenditionSnapshot[];
  /** The stream's HTTP origin output (--hls-origin): queue, uploads, failures, drops, latency; null without one. */
  readonly origin: OriginStreamStats | null;
}

/** StreamDirectory is what HTTP needs from the stream manager: read-only snapshots. */
export interface StreamDirectory {
  list(): StreamSnapshot[];
  get(key: string): StreamSnapshot | undefined;
}

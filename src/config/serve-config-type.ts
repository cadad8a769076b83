import type { VideoEncoder, X264PresetChoice } from '../encode/video-codec.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import type { HlsMode } from '../hls/hls-writer.js';
import type { LogLevel } from '../log/logger.js';
import type { ProviderChoice } from '../upscale/model-runner.js';
import type { InferenceEngine } from '../upscale/open-model-runner.js';

/** ServeConfig is everything `uprez serve` needs, validated once and frozen. */
export interface ServeConfig {
  readonly host: string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly dataDir: string;
  /** A model NAME from models/, a path to an .onnx file, or 'none' for bicubic only; undefined = default for the scale. */
  readonly model: string | undefined;
  /**
   * The model ladder's cheaper rung: a NAME, a path, 'none' (model, then bicubic), or undefined =
   * the card marked liveFallback for the scale when it is cheaper than the model.
   */
  readonly fallbackModel: string | undefined;
  readonly scale: 2 | 4;
  readonly latencyBudgetMs: number;
  readonly provider: ProviderChoice;
  /** Which engine runs the models: auto (the native kernel when it runs the model, else onnxruntime), native, onnxruntime. */
  readonly inferenceEngine: InferenceEngine;
  readonly inferenceWorkers: number;
  readonly inferenceThreads: number;
  readonly maxInFlight: number;
  readonly segmentSeconds: number;
  /** Keep a stream on one path until it must change (steady picture) or decide each frame alone (more AI frames, more flicker). */
  readonly hysteresis: boolean;
  /** A model that cannot be loaded: stop at start (fail) or serve bicubic only with a warning. */
  readonly onModelError: 'fail' | 'bicubic';
  /** Segments kept in each live playlist (and on disk, plus a few behind): the retention window. */
  readonly hlsListSize: number;
  /** Live packaging: LL-HLS (fMP4 parts, blocking playlist reload) or classic (MPEG-TS segments). */
  readonly hlsMode: HlsMode;
  /** How long a stream whose publisher dropped waits for it to come back before its playlists end. */
  readonly reconnectWindowSeconds: number;
  /** H.264 encoder for the HLS ladder: x264 (CPU) or nvenc (NVIDIA GPU). */
  readonly encoder: VideoEncoder;
  /** Which member of the model's denoise family runs: auto (per stream, from the ingest's bits per pixel) or a fixed level 0-3. */
  readonly denoise: 'auto' | DenoiseLevel;
  /** x264's speed preset for the live ladder (with --encoder x264): auto, one for all rungs, or one per rung (top first). */
  readonly x264Preset: X264PresetChoice;
  readonly logLevel: LogLevel;
  /** Stream keys allowed to publish; empty = any valid key (unless publishSecret is set). */
  readonly publishKeys: readonly string[];
  /** HMAC secret for signed publish URLs (?exp=&sig=); empty = not used. */
  readonly publishSecret: string;
  /** Publish attempts per client address per minute. */
  readonly publishRateLimit: number;
  /** Bearer token required on /api when set. */
  readonly apiToken: string;
  /** Bearer token required on /metrics when set. */
  readonly metricsToken: string;
  /** Local inputs of HTTP jobs (POST /api/jobs) must be files inside this directory; '' = DATA_DIR/inputs. */
  readonly jobsInputDir: string;
  /** Jobs (file, restream) running at once. */
  readonly jobsConcurrency: number;
  /** HTTP origin every stream's HLS is also published to (PUT/DELETE); '' = none. May hold credentials: never log it raw. */
  readonly hlsOrigin: string;
  /** Stream registry (redis://…) for one owner per key across instances; '' = none. May hold a password: never log it raw. */
  readonly registry: string;
  /** This instance's HTTP URL in the cluster's stream list; '' = http://<pod IP>:<http port>. */
  readonly advertiseUrl: string;
  /** Registry lease time to live: a crashed instance's streams can be published elsewhere after this. */
  readonly leaseTtlSeconds: number;
  /** Largest image the /upscale page accepts, in MiB. */
  readonly uploadMaxMb: number;
  /** Hours uploads and finished upscale batches are kept in DATA_DIR/uploads. */
  readonly uploadRetentionHours: number;
}

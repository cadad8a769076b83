/** The serve options' schema: each ServeConfig key with its flag, environment variable, help and parser. */
import path from 'node:path';
import { UprezError } from '../errors.js';
import { VIDEO_ENCODERS, X264_PRESETS, parseX264Presets, type X264PresetChoice } from '../encode/video-codec.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { HLS_MODES } from '../hls/hls-writer.js';
import { PROVIDER_CHOICES } from '../upscale/model-runner.js';
import { INFERENCE_ENGINES } from '../upscale/open-model-runner.js';
import { parseOriginUrl } from '../origin/origin-url.js';
import { advertiseUrl } from '../registry/instance.js';
import { parseRegistryUrl } from '../registry/registry-url.js';
import type { ServeConfig } from './serve-config-type.js';

interface Field<K extends keyof ServeConfig> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly parse: (raw: string, where: string) => ServeConfig[K];
}

function intIn(min: number, max: number) {
  return (raw: string, where: string): number => {
    if (!/^\d+$/.test(raw.trim())) {
      throw new UprezError('CONFIG_INVALID', `${where} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    const n = Number(raw);
    if (n < min || n > max) {
      throw new UprezError('CONFIG_INVALID', `${where} must be from ${min} to ${max}, got ${n}`);
    }
    return n;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, where: string): T => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new UprezError('CONFIG_INVALID', `${where} must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };
}

const port = intIn(0, 65535);

function secret(minLength: number) {
  return (raw: string, where: string): string => {
    if (raw.length < minLength || /[\s\0]/.test(raw)) {
      // Never echo the value: it is a secret.
      throw new UprezError('CONFIG_INVALID', `${where} must be at least ${minLength} characters without spaces`);
    }
    return raw;
  };
}

/** The schema: each key with its flag, environment variable, help and parser. Defaults: SERVE_DEFAULTS in serve-config.ts. */
export const SERVE_FIELDS = [
  {
    key: 'host',
    flag: '--host',
    env: 'UPREZ_HOST',
    help: 'address to listen on (RTMP and HTTP)',
    parse: (raw: string, where: string) => {
      if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(raw))
        throw new UprezError('CONFIG_INVALID', `${where} must be a host name or IP address, got "${raw}"`);
      return raw;
    },
  },
  { key: 'rtmpPort', flag: '--rtmp-port', env: 'UPREZ_RTMP_PORT', help: 'RTMP ingest port (0 = any free port)', parse: port },
  {
    key: 'httpPort',
    flag: '--http-port',
    env: 'UPREZ_HTTP_PORT',
    help: 'HTTP port for HLS, player, API, metrics (0 = any free port)',
    parse: port,
  },
  {
    key: 'dataDir',
    flag: '--data-dir',
    env: 'UPREZ_DATA_DIR',
    help: 'directory for HLS output',
    parse: (raw: string, where: string) => {
      if (raw.length === 0 || raw.includes('\0')) throw new UprezError('CONFIG_INVALID', `${where} must be a directory path`);
      return path.resolve(raw);
    },
  },
  {
    key: 'model',
    flag: '--model',
    env: 'UPREZ_MODEL',
    help: "model NAME in models/, a path to an .onnx file, or 'none' for bicubic only",
    parse: (raw: string, where: string) => {
      if (raw.length === 0 || raw.includes('\0')) throw new UprezError('CONFIG_INVALID', `${where} must be a model name or path`);
      return raw;
    },
  },
  {
    key: 'fallbackModel',
    flag: '--fallback-model',
    env: 'UPREZ_FALLBACK_MODEL',
    help: "a cheaper model frames take when --model cannot keep up, before bicubic (NAME, path, or 'none'; default: the card marked liveFallback for the scale)",
    parse: (raw: string, where: string) => {
      if (raw.length === 0 || raw.includes('\0')) throw new UprezError('CONFIG_INVALID', `${where} must be a model name or path, or none`);
      return raw;
    },
  },
  {
    key: 'scale',
    flag: '--scale',
    env: 'UPREZ_SCALE',
    help: 'upscale factor: 2 or 4',
    parse: (raw: string, where: string) => Number(oneOf(['2', '4'] as const)(raw, where)) as 2 | 4,
  },
  {
    key: 'latencyBudgetMs',
    flag: '--latency-budget-ms',
    env: 'UPREZ_LATENCY_BUDGET_MS',
    help: 'time a frame may spend in the upscale stage before it takes the bicubic path',
    parse: intIn(1, 10_000),
  },
  {
    key: 'provider',
    flag: '--provider',
    env: 'UPREZ_PROVIDER',
    help: 'onnxruntime execution provider: auto (CUDA when available), cpu, cuda',
    parse: oneOf(PROVIDER_CHOICES),
  },
  {
    key: 'inferenceEngine',
    flag: '--inference-engine',
    env: 'UPREZ_INFERENCE_ENGINE',
    help: "inference engine: auto (uprez's native kernel for the models it runs, onnxruntime otherwise), native, onnxruntime",
    parse: oneOf(INFERENCE_ENGINES),
  },
  {
    key: 'inferenceWorkers',
    flag: '--inference-workers',
    env: 'UPREZ_INFERENCE_WORKERS',
    help: 'inference worker threads (one model session each)',
    parse: intIn(1, 64),
  },
  {
    key: 'inferenceThreads',
    flag: '--inference-threads',
    env: 'UPREZ_INFERENCE_THREADS',
    help: 'onnxruntime intra-op threads per worker',
    parse: intIn(1, 256),
  },
  {
    key: 'maxInFlight',
    flag: '--max-in-flight',
    env: 'UPREZ_MAX_IN_FLIGHT',
    help: 'frames per stream waiting on the model before new ones take bicubic',
    parse: intIn(1, 64),
  },
  { key: 'segmentSeconds', flag: '--segment-seconds', env: 'UPREZ_SEGMENT_SECONDS', help: 'HLS segment duration', parse: intIn(1, 30) },
  {
    key: 'hysteresis',
    flag: '--hysteresis',
    env: 'UPREZ_HYSTERESIS',
    help: 'on: a stream changes between model and bicubic only when it must (steady picture); off: each frame decided alone (more AI frames when the model almost keeps up, but visible flicker)',
    parse: (raw: string, where: string) => oneOf(['on', 'off'] as const)(raw, where) === 'on',
  },
  {
    key: 'onModelError',
    flag: '--on-model-error',
    env: 'UPREZ_ON_MODEL_ERROR',
    help: 'a model that cannot be loaded: fail (stop at start) or bicubic (serve bicubic only, with a warning)',
    parse: oneOf(['fail', 'bicubic'] as const),
  },
  {
    key: 'hlsListSize',
    flag: '--hls-list-size',
    env: 'UPREZ_HLS_LIST_SIZE',
    help: 'segments per live playlist; older segments are deleted from disk (retention window)',
    parse: intIn(3, 100_000),
  },
  {
    key: 'hlsMode',
    flag: '--hls-mode',
    env: 'UPREZ_HLS_MODE',
    help: 'live HLS: ll (Low-Latency HLS: fMP4 parts of ~0.25 s, viewers ~1-2 s behind) or classic (MPEG-TS segments, for players without LL-HLS; ~5 s behind)',
    parse: oneOf(HLS_MODES),
  },
  {
    key: 'reconnectWindowSeconds',
    flag: '--reconnect-window-s',
    env: 'UPREZ_RECONNECT_WINDOW_S',
    help: 'a publisher that drops may come back this long and continue the same playlists (0: end at once)',
    parse: intIn(0, 3_600),
  },
  {
    key: 'encoder',
    flag: '--encoder',
    env: 'UPREZ_ENCODER',
    help: 'H.264 encoder: x264 (CPU) or nvenc (NVIDIA GPU with NVENC)',
    parse: oneOf(VIDEO_ENCODERS),
  },
  {
    key: 'denoise',
    flag: '--denoise',
    env: 'UPREZ_DENOISE',
    help: "compression the model is chosen for, from its denoise family: auto (per stream, from the ingest's bits per pixel, switching with hysteresis), or a fixed level 0 (clean), 1 (light), 2 (medium), 3 (heavy)",
    parse: (raw: string, where: string): 'auto' | DenoiseLevel => {
      const v = oneOf(['auto', '0', '1', '2', '3'] as const)(raw, where);
      return v === 'auto' ? 'auto' : (Number(v) as DenoiseLevel);
    },
  },
  {
    key: 'x264Preset',
    flag: '--x264-preset',
    env: 'UPREZ_X264_PRESET',
    help: "x264 speed preset for the live ladder: auto (by the top rung's pixel rate: veryfast up to 1280x720 at 30 fps, ultrafast above; lower rungs veryfast), one preset, or one per rung top rung first (e.g. ultrafast,veryfast): faster ones keep up with larger frames on fewer cores, at more bits for the same picture",
    parse: (raw: string, where: string): X264PresetChoice => {
      const choice = parseX264Presets(raw);
      if (choice === null)
        throw new UprezError(
          'CONFIG_INVALID',
          `${where} must be auto, or one of ${X264_PRESETS.join(', ')} (one per rung, top first, comma-separated, at most 8), got "${raw}"`,
        );
      return choice;
    },
  },
  {
    key: 'publishKeys',
    flag: '--publish-keys',
    env: 'UPREZ_PUBLISH_KEYS',
    help: 'comma-separated stream keys allowed to publish (default: any valid key)',
    parse: (raw: string, where: string) => {
      const keys = raw
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      const bad = keys.find((k) => !/^[A-Za-z0-9_-]{1,64}$/.test(k));
      if (bad !== undefined)
        throw new UprezError('CONFIG_INVALID', `${where} has an invalid key "${bad}" (keys match [A-Za-z0-9_-]{1,64})`);
      return Object.freeze(keys);
    },
  },
  {
    key: 'publishSecret',
    flag: '--publish-secret',
    env: 'UPREZ_PUBLISH_SECRET',
    help: 'HMAC secret: publishers must use signed URLs (uprez sign KEY); prefer the variable to the flag',
    parse: secret(16),
  },
  {
    key: 'publishRateLimit',
    flag: '--publish-rate-limit',
    env: 'UPREZ_PUBLISH_RATE_LIMIT',
    help: 'publish attempts allowed per client address per minute',
    parse: intIn(1, 100_000),
  },
  {
    key: 'apiToken',
    flag: '--api-token',
    env: 'UPREZ_API_TOKEN',
    help: 'bearer token required on /api (default: open)',
    parse: secret(16),
  },
  {
    key: 'metricsToken',
    flag: '--metrics-token',
    env: 'UPREZ_METRICS_TOKEN',
    help: 'bearer token required on /metrics (default: open)',
    parse: secret(16),
  },
  {
    key: 'jobsInputDir',
    flag: '--jobs-input-dir',
    env: 'UPREZ_JOBS_INPUT_DIR',
    help: 'POST /api/jobs inputs must be files inside this directory (default DATA_DIR/inputs)',
    parse: (raw: string, where: string) => {
      if (raw.includes('\0')) throw new UprezError('CONFIG_INVALID', `${where} must be a directory path`);
      return path.resolve(raw);
    },
  },
  {
    key: 'jobsConcurrency',
    flag: '--jobs-concurrency',
    env: 'UPREZ_JOBS_CONCURRENCY',
    help: 'jobs (file, restream) running at once',
    parse: intIn(1, 16),
  },
  {
    key: 'hlsOrigin',
    flag: '--hls-origin',
    env: 'UPREZ_HLS_ORIGIN',
    help: "also publish every stream's HLS to this HTTP origin with PUT and DELETE (WebDAV, CDN ingest, object-store gateway), e.g. http://origin:8080/hls/",
    parse: (raw: string, where: string) => {
      parseOriginUrl(raw, where);
      return raw.trim();
    },
  },
  {
    key: 'registry',
    flag: '--registry',
    env: 'UPREZ_REGISTRY',
    help: 'Redis URL of the stream registry (one owner per stream key across instances), e.g. redis://redis:6379',
    parse: (raw: string, where: string) => {
      parseRegistryUrl(raw, where);
      return raw.trim();
    },
  },
  {
    key: 'advertiseUrl',
    flag: '--advertise-url',
    env: 'UPREZ_ADVERTISE_URL',
    help: "this instance's HTTP URL in the cluster's stream list (default http://<first non-loopback IPv4>:<http port>)",
    parse: (raw: string, where: string) => advertiseUrl(raw.trim(), 0, where),
  },
  {
    key: 'leaseTtlSeconds',
    flag: '--lease-ttl-s',
    env: 'UPREZ_LEASE_TTL_S',
    help: "registry lease time to live: a crashed instance's streams can be published elsewhere after this",
    parse: intIn(2, 300),
  },
  {
    key: 'uploadMaxMb',
    flag: '--upload-max-mb',
    env: 'UPREZ_UPLOAD_MAX_MB',
    help: 'largest image the /upscale page accepts, in MiB',
    parse: intIn(1, 4096),
  },
  {
    key: 'uploadRetentionHours',
    flag: '--upload-retention-hours',
    env: 'UPREZ_UPLOAD_RETENTION_HOURS',
    help: 'hours uploads and finished upscale batches are kept (DATA_DIR/uploads)',
    parse: intIn(1, 24 * 365),
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'UPREZ_LOG_LEVEL',
    help: 'debug, info, warn, error',
    parse: oneOf(['debug', 'info', 'warn', 'error'] as const),
  },
] as const satisfies readonly Field<keyof ServeConfig>[];

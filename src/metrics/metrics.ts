import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Histogram buckets for per-frame times, in seconds: 1 ms to 2 s, dense around the frame
 * intervals that matter (16.7 ms at 60 fps, 33.3 ms at 30 fps, 40 ms at 25 fps) so a p99 near
 * the latency budget is resolved, with a tail long enough to show a stalled model.
 */
export const FRAME_SECONDS_BUCKETS: readonly number[] = [
  0.001, 0.002, 0.004, 0.008, 0.0125, 0.0167, 0.025, 0.0333, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2,
];

/** UprezMetrics holds every uprez_* metric, each on the instance's own registry. */
export interface UprezMetrics {
  readonly registry: Registry;
  /** Time a frame spends in the upscale stage, by path (model | bicubic). */
  readonly upscaleFrameSeconds: Histogram<'stream' | 'path'>;
  /** One model inference call. */
  readonly modelInferenceSeconds: Histogram<'model'>;
  /** Decoder-out to encoder-in. */
  readonly frameLatencySeconds: Histogram<'stream'>;
  readonly framesTotal: Counter<'stream' | 'path'>;
  /** Model frames by the model that made them (a stream's ladder: its model, then a cheaper one). */
  readonly modelFramesTotal: Counter<'stream' | 'model'>;
  /** reason is a FallbackReason. */
  readonly fallbackFramesTotal: Counter<'stream' | 'reason'>;
  /** Frames that left the upscale stage after their deadline. */
  readonly deadlineMissesTotal: Counter<'stream'>;
  readonly streamsActive: Gauge;
  readonly ingestBitrateBits: Gauge<'stream'>;
  readonly encoderFps: Gauge<'stream'>;
  readonly hlsSegmentsTotal: Counter<'stream' | 'rendition'>;
  /** Info-style: 1 for the execution provider serving each model; see setExecutionProvider. */
  readonly executionProvider: Gauge<'model' | 'provider'>;
  /** reason is a PublishRefusal. */
  readonly publishRejectedTotal: Counter<'reason'>;
  /** process is the child that restarted (e.g. decoder, encoder). */
  readonly processRestartsTotal: Counter<'stream' | 'process'>;
  /** reason is a FrameLossReason: frames the publisher sent that did not reach the ladder. */
  readonly framesLostTotal: Counter<'stream' | 'reason'>;
  /** Per frame: the share of its output luma pixels a model made (per-tile scheduling), 0..1. */
  readonly modelPixelShare: Histogram<'stream'>;
  /** The denoise level of the model a stream runs now (0 clean .. 3 heavy; see --denoise). */
  readonly denoiseLevel: Gauge<'stream'>;
  /** Ingest video bits per pixel over the last seconds (what --denoise auto decides from). */
  readonly ingestBitsPerPixel: Gauge<'stream'>;
  /** Times a stream's model moved to another member of its denoise family. */
  readonly denoiseSwitchesTotal: Counter<'stream'>;
}

/** MetricsOptions configures createMetrics. */
export interface MetricsOptions {
  /** Register prom-client's default process metrics (CPU, memory, event loop, GC). Default true. */
  readonly collectDefault?: boolean;
}

/** createMetrics builds every uprez metric on a fresh Registry (never the global one). */
export function createMetrics(opts: MetricsOptions = {}): UprezMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.collectDefault ?? true) collectDefaultMetrics({ register: registry });
  const buckets = [...FRAME_SECONDS_BUCKETS];
  return {
    registry,
    upscaleFrameSeconds: new Histogram({
      name: 'uprez_upscale_frame_seconds',
      help: 'Time a frame spends in the upscale stage, by path (model or bicubic).',
      labelNames: ['stream', 'path'] as const,
      buckets,
      registers,
    }),
    modelInferenceSeconds: new Histogram({
      name: 'uprez_model_inference_seconds',
      help: 'Duration of one model inference call.',
      labelNames: ['model'] as const,
      buckets,
      registers,
    }),
    frameLatencySeconds: new Histogram({
      name: 'uprez_frame_latency_seconds',
      help: 'Frame latency from decoder output to encoder input.',
      labelNames: ['stream'] as const,
      buckets,
      registers,
    }),
    framesTotal: new Counter({
      name: 'uprez_frames_total',
      help: 'Frames that left the upscale stage, by path (model or bicubic).',
      labelNames: ['stream', 'path'] as const,
      registers,
    }),
    modelFramesTotal: new Counter({
      name: 'uprez_model_frames_total',
      help: "Frames whose luma came from a model, by model (the model ladder: the stream's model, then a cheaper fallback model).",
      labelNames: ['stream', 'model'] as const,
      registers,
    }),
    fallbackFramesTotal: new Counter({
      name: 'uprez_fallback_frames_total',
      help: 'Frames that took the bicubic path, by reason.',
      labelNames: ['stream', 'reason'] as const,
      registers,
    }),
    deadlineMissesTotal: new Counter({
      name: 'uprez_deadline_misses_total',
      help: 'Frames that left the upscale stage after their deadline.',
      labelNames: ['stream'] as const,
      registers,
    }),
    streamsActive: new Gauge({
      name: 'uprez_streams_active',
      help: 'Streams currently being transcoded.',
      registers,
    }),
    ingestBitrateBits: new Gauge({
      name: 'uprez_ingest_bitrate_bits',
      help: 'Incoming RTMP bitrate in bits per second.',
      labelNames: ['stream'] as const,
      registers,
    }),
    encoderFps: new Gauge({
      name: 'uprez_encoder_fps',
      help: 'Frames per second the encoder is producing.',
      labelNames: ['stream'] as const,
      registers,
    }),
    denoiseLevel: new Gauge({
      name: 'uprez_stream_denoise_level',
      help: 'Denoise level of the model a stream runs now: 0 clean, 1 light, 2 medium, 3 heavy compression (--denoise).',
      labelNames: ['stream'] as const,
      registers,
    }),
    ingestBitsPerPixel: new Gauge({
      name: 'uprez_ingest_bits_per_pixel',
      help: 'Incoming video bits per pixel over the last seconds (bitrate / (width * height * fps)); what --denoise auto decides from.',
      labelNames: ['stream'] as const,
      registers,
    }),
    denoiseSwitchesTotal: new Counter({
      name: 'uprez_denoise_switches_total',
      help: "Times a stream's model moved to another member of its denoise family (--denoise auto).",
      labelNames: ['stream'] as const,
      registers,
    }),
    hlsSegmentsTotal: new Counter({
      name: 'uprez_hls_segments_total',
      help: 'HLS segments written, by rendition.',
      labelNames: ['stream', 'rendition'] as const,
      registers,
    }),
    executionProvider: new Gauge({
      name: 'uprez_execution_provider',
      help: 'Set to 1 for the execution provider (cuda or cpu) serving each model.',
      labelNames: ['model', 'provider'] as const,
      registers,
    }),
    publishRejectedTotal: new Counter({
      name: 'uprez_publish_rejected_total',
      help: 'RTMP publish attempts refused, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    processRestartsTotal: new Counter({
      name: 'uprez_process_restarts_total',
      help: 'Child process restarts, by stream and process.',
      labelNames: ['stream', 'process'] as const,
      registers,
    }),
    modelPixelShare: new Histogram({
      name: 'uprez_model_pixel_share',
      help: 'Per frame, the share of its output luma pixels a model made (0..1; the rest is bicubic).',
      labelNames: ['stream'] as const,
      buckets: [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1],
      registers,
    }),
    framesLostTotal: new Counter({
      name: 'uprez_frames_lost_total',
      help: 'Frames the publisher sent that did not reach the ladder, by reason (decoder_restart, encoder_down).',
      labelNames: ['stream', 'reason'] as const,
      registers,
    }),
  };
}

/** StreamSeries are the label values a new stream's series are created with. */
export interface StreamSeries {
  /** The models of the stream's ladder (model, fallback model). */
  readonly models: readonly string[];
  readonly fallbackReasons: readonly string[];
  readonly lossReasons: readonly string[];
}

/**
 * initStream creates every per-stream counter series at 0 when a stream starts, so Prometheus
 * sees the first increase of each (a series born at 1 has no increase to rate() over).
 */
export function initStream(m: UprezMetrics, key: string, series: StreamSeries): void {
  const stream = key;
  for (const path of ['model', 'bicubic']) m.framesTotal.inc({ stream, path }, 0);
  for (const model of series.models) m.modelFramesTotal.inc({ stream, model }, 0);
  for (const reason of series.fallbackReasons) m.fallbackFramesTotal.inc({ stream, reason }, 0);
  for (const reason of series.lossReasons) m.framesLostTotal.inc({ stream, reason }, 0);
  for (const process of ['decoder', 'encoder']) m.processRestartsTotal.inc({ stream, process }, 0);
  m.deadlineMissesTotal.inc({ stream }, 0);
  m.denoiseSwitchesTotal.inc({ stream }, 0);
}

/** initRenditions creates a stream's per-rendition segment counters at 0 once its ladder is known. */
export function initRenditions(m: UprezMetrics, key: string, renditions: readonly string[]): void {
  for (const rendition of renditions) m.hlsSegmentsTotal.inc({ stream: key, rendition }, 0);
}

/** setExecutionProvider marks `provider` as the one serving `model`, clearing any other provider for it. */
export function setExecutionProvider(m: UprezMetrics, model: string, provider: string): void {
  for (const labels of seriesLabels(m.executionProvider)) {
    if (labels['model'] === model && labels['provider'] !== provider) m.executionProvider.remove(labels);
  }
  m.executionProvider.set({ model, provider }, 1);
}

/** Every metric that carries a `stream` label, so forgetStream cannot miss one added later. */
function streamMetrics(m: UprezMetrics): ReadonlyArray<Counter<string> | Gauge<string> | Histogram<string>> {
  return [
    m.upscaleFrameSeconds,
    m.frameLatencySeconds,
    m.framesTotal,
    m.modelFramesTotal,
    m.fallbackFramesTotal,
    m.deadlineMissesTotal,
    m.ingestBitrateBits,
    m.encoderFps,
    m.hlsSegmentsTotal,
    m.processRestartsTotal,
    m.framesLostTotal,
    m.modelPixelShare,
    m.denoiseLevel,
    m.ingestBitsPerPixel,
    m.denoiseSwitchesTotal,
  ];
}

/** forgetStream removes every series labelled stream=`key`, bounding cardinality after a stream ends. */
export function forgetStream(m: UprezMetrics, key: string): void {
  for (const metric of streamMetrics(m)) {
    for (const labels of seriesLabels(metric)) {
      if (labels['stream'] === key) metric.remove(labels);
    }
  }
}

type Labels = Record<string, string | number>;

/**
 * seriesLabels lists the label sets a metric currently holds. prom-client 15 has no synchronous
 * public way to enumerate them (`get()` is async) nor to remove by a partial label set, so this
 * reads the per-series `hashMap` every metric type keeps; metrics.test.ts pins that behaviour.
 */
function seriesLabels(metric: object): Labels[] {
  const hashMap: unknown = (metric as { hashMap?: unknown }).hashMap;
  if (typeof hashMap !== 'object' || hashMap === null) {
    throw new TypeError('prom-client metric has no hashMap: forgetStream needs updating for this prom-client');
  }
  const out: Labels[] = [];
  for (const entry of Object.values(hashMap)) {
    const labels: unknown = (entry as { labels?: unknown } | null)?.labels;
    if (typeof labels === 'object' && labels !== null) out.push({ ...(labels as Labels) });
  }
  return out;
}

import { Counter, Gauge, Histogram, register as globalRegistry } from 'prom-client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createMetrics,
  FRAME_SECONDS_BUCKETS,
  forgetStream,
  initRenditions,
  initStream,
  setExecutionProvider,
  type UprezMetrics,
} from './metrics.js';

type Kind = 'histogram' | 'counter' | 'gauge';

// The names, types and labels ARCHITECTURE.md promises dashboards and alerts (plus the ones added since).
const SPEC: ReadonlyArray<{ field: keyof UprezMetrics; name: string; kind: Kind; labels: readonly string[] }> = [
  { field: 'upscaleFrameSeconds', name: 'uprez_upscale_frame_seconds', kind: 'histogram', labels: ['stream', 'path'] },
  { field: 'modelInferenceSeconds', name: 'uprez_model_inference_seconds', kind: 'histogram', labels: ['model'] },
  { field: 'frameLatencySeconds', name: 'uprez_frame_latency_seconds', kind: 'histogram', labels: ['stream'] },
  { field: 'framesTotal', name: 'uprez_frames_total', kind: 'counter', labels: ['stream', 'path'] },
  { field: 'modelFramesTotal', name: 'uprez_model_frames_total', kind: 'counter', labels: ['stream', 'model'] },
  { field: 'fallbackFramesTotal', name: 'uprez_fallback_frames_total', kind: 'counter', labels: ['stream', 'reason'] },
  { field: 'deadlineMissesTotal', name: 'uprez_deadline_misses_total', kind: 'counter', labels: ['stream'] },
  { field: 'streamsActive', name: 'uprez_streams_active', kind: 'gauge', labels: [] },
  { field: 'ingestBitrateBits', name: 'uprez_ingest_bitrate_bits', kind: 'gauge', labels: ['stream'] },
  { field: 'encoderFps', name: 'uprez_encoder_fps', kind: 'gauge', labels: ['stream'] },
  { field: 'hlsSegmentsTotal', name: 'uprez_hls_segments_total', kind: 'counter', labels: ['stream', 'rendition'] },
  { field: 'executionProvider', name: 'uprez_execution_provider', kind: 'gauge', labels: ['model', 'provider'] },
  { field: 'publishRejectedTotal', name: 'uprez_publish_rejected_total', kind: 'counter', labels: ['reason'] },
  { field: 'processRestartsTotal', name: 'uprez_process_restarts_total', kind: 'counter', labels: ['stream', 'process'] },
  { field: 'framesLostTotal', name: 'uprez_frames_lost_total', kind: 'counter', labels: ['stream', 'reason'] },
  { field: 'modelPixelShare', name: 'uprez_model_pixel_share', kind: 'histogram', labels: ['stream'] },
  { field: 'denoiseLevel', name: 'uprez_stream_denoise_level', kind: 'gauge', labels: ['stream'] },
  { field: 'ingestBitsPerPixel', name: 'uprez_ingest_bits_per_pixel', kind: 'gauge', labels: ['stream'] },
  { field: 'denoiseSwitchesTotal', name: 'uprez_denoise_switches_total', kind: 'counter', labels: ['stream'] },
];

const CLASSES = { histogram: Histogram, counter: Counter, gauge: Gauge } as const;

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** record puts one sample into any metric, with positional (count-checked) or named (name-checked) labels. */
function record(metric: AnyMetric, labels: string[] | Record<string, string>): void {
  const child = Array.isArray(labels) ? (labels.length ? metric.labels(...labels) : metric) : metric.labels(labels);
  if (metric instanceof Histogram) (child as Histogram<string>).observe(0.02);
  else if (metric instanceof Counter) (child as Counter<string>).inc();
  else (child as Gauge<string>).set(1);
}

/** seriesLines returns the exposition lines (no comments) of one metric family. */
async function seriesLines(m: UprezMetrics, name: string): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(name) && !l.startsWith('#'));
}

describe('createMetrics', () => {
  it.each(SPEC)('registers $name as a $kind with labels [$labels]', async ({ field, name, kind, labels }) => {
    const m = createMetrics({ collectDefault: false });
    const metric = m[field];
    expect(metric).toBeInstanceOf(CLASSES[kind]);
    expect(m.registry.getSingleMetric(name)).toBe(metric);
    const typed = metric as AnyMetric;
    expect((await typed.get()).type).toBe(kind);

    // Positional labels throw unless their count equals the declared count; named labels
    // throw for any name that was not declared. Together they pin the exact label set.
    record(
      typed,
      labels.map((l) => `v_${l}`),
    );
    if (labels.length) {
      expect(() => record(typed, { bogus: 'x' })).toThrow(/bogus/);
      expect(() => record(typed, [...labels.map(() => 'x'), 'extra'])).toThrow(/number of arguments/);
      if (labels.length > 1) expect(() => record(typed, labels.slice(1))).toThrow(/number of arguments/);
    }
    const lines = await seriesLines(m, name);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of labels) expect(lines[0]).toContain(`${l}="v_${l}"`);
  });

  it('exposes every metric, with frame-time buckets from 1 ms to 2 s', async () => {
    const m = createMetrics({ collectDefault: false });
    const json = await m.registry.getMetricsAsJSON();
    expect(json.map((j) => j.name).sort()).toEqual(SPEC.map((s) => s.name).sort());
    m.upscaleFrameSeconds.observe({ stream: 'a', path: 'model' }, 0.01);
    const lines = await seriesLines(m, 'uprez_upscale_frame_seconds_bucket');
    const les = lines.map((l) => /le="([^"]+)"/.exec(l)?.[1]);
    expect(les[0]).toBe('0.001');
    expect(les.at(-2)).toBe('2');
    expect(les.at(-1)).toBe('+Inf');
    expect(FRAME_SECONDS_BUCKETS.length).toBeLessThanOrEqual(20);
  });

  it('uses its own registry, so many instances coexist and the global one stays empty', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.framesTotal.inc({ stream: 's', path: 'model' }, 3);
    expect(await b.registry.metrics()).not.toMatch(/uprez_frames_total\{/);
    expect(await a.registry.metrics()).toMatch(/uprez_frames_total\{stream="s",path="model"\} 3/);
    expect(await a.registry.metrics()).toMatch(/^process_cpu_seconds_total /m);
    expect(globalRegistry.getSingleMetric('uprez_frames_total')).toBeUndefined();
  });

  it('collects no default metrics when asked not to', async () => {
    expect(await createMetrics({ collectDefault: false }).registry.metrics()).not.toMatch(/process_cpu/);
  });

  it('types label names, so a wrong label is a compile error', () => {
    const m = createMetrics({ collectDefault: false });
    expectTypeOf(m.framesTotal).toEqualTypeOf<Counter<'stream' | 'path'>>();
    expectTypeOf(m.upscaleFrameSeconds).toEqualTypeOf<Histogram<'stream' | 'path'>>();
    expectTypeOf(m.streamsActive).toEqualTypeOf<Gauge>();
    // tsc (npm test) checks this line: a misspelt label must not compile.
    // @ts-expect-error 'strem' is not a label of uprez_frames_total
    expect(() => m.framesTotal.inc({ strem: 'a' })).toThrow(/strem/);
  });
});

describe('forgetStream', () => {
  it('removes every series of that stream and nothing else', async () => {
    const m = createMetrics({ collectDefault: false });
    for (const stream of ['gone', 'kept']) {
      m.upscaleFrameSeconds.observe({ stream, path: 'model' }, 0.01);
      m.upscaleFrameSeconds.observe({ stream, path: 'bicubic' }, 0.002);
      m.frameLatencySeconds.observe({ stream }, 0.03);
      m.framesTotal.inc({ stream, path: 'model' });
      m.modelFramesTotal.inc({ stream, model: 'uprez-x2-tiny' });
      m.fallbackFramesTotal.inc({ stream, reason: 'queue_full' });
      m.fallbackFramesTotal.inc({ stream, reason: 'predicted_late' });
      m.deadlineMissesTotal.inc({ stream });
      m.ingestBitrateBits.set({ stream }, 2_500_000);
      m.encoderFps.set({ stream }, 30);
      m.hlsSegmentsTotal.inc({ stream, rendition: '1280x720' });
      m.processRestartsTotal.inc({ stream, process: 'decoder' });
      m.framesLostTotal.inc({ stream, reason: 'encoder_down' });
      m.modelPixelShare.observe({ stream }, 0.5);
      m.denoiseLevel.set({ stream }, 2);
      m.ingestBitsPerPixel.set({ stream }, 0.03);
      m.denoiseSwitchesTotal.inc({ stream });
    }
    m.modelInferenceSeconds.observe({ model: 'espcn-x2' }, 0.01);
    m.streamsActive.set(1);
    m.publishRejectedTotal.inc({ reason: 'duplicate' });
    // A key that is a prefix of another must not take the other with it.
    m.framesTotal.inc({ stream: 'gone2', path: 'model' });

    forgetStream(m, 'gone');

    const text = await m.registry.metrics();
    expect(text).not.toContain('stream="gone"');
    for (const s of SPEC.filter((s) => s.labels.includes('stream') && s.name !== 'uprez_execution_provider')) {
      expect(text, s.name).toMatch(new RegExp(`^${s.name}(_count|_sum|_bucket)?\\{[^}]*stream="kept"`, 'm'));
    }
    expect(text).toContain('stream="gone2"');
    expect(text).toMatch(/^uprez_model_inference_seconds_count\{model="espcn-x2"\} 1$/m);
    expect(text).toMatch(/^uprez_streams_active 1$/m);
    expect(text).toMatch(/^uprez_publish_rejected_total\{reason="duplicate"\} 1$/m);

    // The stream can come back and start from zero.
    m.framesTotal.inc({ stream: 'gone', path: 'model' });
    expect(await m.registry.metrics()).toMatch(/^uprez_frames_total\{stream="gone",path="model"\} 1$/m);
  });

  it('is a no-op for an unknown stream', async () => {
    const m = createMetrics({ collectDefault: false });
    m.framesTotal.inc({ stream: 'a', path: 'model' });
    const before = await m.registry.metrics();
    forgetStream(m, 'nope');
    expect(await m.registry.metrics()).toBe(before);
  });
});

describe('setExecutionProvider', () => {
  it('keeps exactly one provider at 1 per model', async () => {
    const m = createMetrics({ collectDefault: false });
    setExecutionProvider(m, 'espcn-x2', 'cuda');
    setExecutionProvider(m, 'fsrcnn-x2', 'cpu');
    setExecutionProvider(m, 'espcn-x2', 'cpu');
    const lines = await seriesLines(m, 'uprez_execution_provider');
    expect(lines.sort()).toEqual([
      'uprez_execution_provider{model="espcn-x2",provider="cpu"} 1',
      'uprez_execution_provider{model="fsrcnn-x2",provider="cpu"} 1',
    ]);
  });
});

describe('initStream', () => {
  it('creates every per-stream counter series at 0, so the first increase is seen; forgetStream removes them', async () => {
    const m = createMetrics({ collectDefault: false });
    initStream(m, 'cam', { models: ['a', 'b'], fallbackReasons: ['predicted_late', 'queue_full'], lossReasons: ['decoder_restart'] });
    initRenditions(m, 'cam', ['720p', '360p']);
    const text = await m.registry.metrics();
    for (const line of [
      'uprez_frames_total{stream="cam",path="model"} 0',
      'uprez_frames_total{stream="cam",path="bicubic"} 0',
      'uprez_model_frames_total{stream="cam",model="b"} 0',
      'uprez_fallback_frames_total{stream="cam",reason="queue_full"} 0',
      'uprez_frames_lost_total{stream="cam",reason="decoder_restart"} 0',
      'uprez_process_restarts_total{stream="cam",process="encoder"} 0',
      'uprez_deadline_misses_total{stream="cam"} 0',
      'uprez_hls_segments_total{stream="cam",rendition="360p"} 0',
    ]) {
      expect(text).toContain(line);
    }
    forgetStream(m, 'cam');
    expect(await m.registry.metrics()).not.toContain('stream="cam"');
  });
});

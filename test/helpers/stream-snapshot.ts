import type { StreamSnapshot } from '../../src/stream/stream-snapshot.js';

/**
 * fakeSnapshot is a complete, plausible /api/streams entry for tests of the HTTP API, the player
 * and the dashboard: a live 320x180 -> 640x360 stream, 90 % AI. Pass what the test is about in
 * `over`; a field added to StreamSnapshot is added here once.
 */
export function fakeSnapshot(key: string, over: Partial<StreamSnapshot> = {}): StreamSnapshot {
  return {
    key,
    state: 'live',
    startedAt: 1_700_000_000_000,
    endedAt: null,
    input: { width: 320, height: 180, fps: 30 },
    output: { width: 640, height: 360 },
    scale: 2,
    model: 'uprez-x2-fast',
    fallbackModel: 'uprez-x2-tiny',
    provider: 'cpu',
    denoise: { mode: 'auto', level: 1, wanted: 1, model: 'uprez-x2-fast-d1', bitsPerPixel: 0.081, crfEquivalent: 23.3, switches: 1 },
    latencyBudgetMs: 250,
    hasAudio: false,
    frames: {
      in: 120,
      out: 120,
      model: 108,
      bicubic: 12,
      byModel: { 'uprez-x2-fast': 100, 'uprez-x2-tiny': 8 },
      lost: { decoder_restart: 0, encoder_down: 0, drain_timeout: 0 },
    },
    aiShare: 0.9,
    aiPixelShare: 0.92,
    aiPixelShareHistogram: [1, 0, 0, 0, 0, 0, 0, 0, 0, 10, 109],
    tiles: { computed: 5_000, reused: 1_200 },
    fallbacks: { predicted_late: 8, queue_full: 4, model_error: 0, no_model: 0, late_result: 0 },
    deadlineMisses: 0,
    latencyMs: { p50: 21, p99: 48 },
    outputFps: 30,
    restarts: 0,
    reconnects: 0,
    error: null,
    master: `/hls/${key}/master.m3u8`,
    renditions: [],
    origin: null,
    ...over,
  };
}

/** framesOf builds the frames/aiShare fields for `out` frames of which `model` went through the (top) model. */
export function framesOf(out: number, model: number): Pick<StreamSnapshot, 'frames' | 'aiShare' | 'aiPixelShare'> {
  return {
    frames: {
      in: out,
      out,
      model,
      bicubic: out - model,
      byModel: { 'uprez-x2-fast': model },
      lost: { decoder_restart: 0, encoder_down: 0, drain_timeout: 0 },
    },
    aiShare: out ? model / out : 0,
    aiPixelShare: out ? model / out : 0,
  };
}

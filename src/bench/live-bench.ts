/**
 * Live: a 30 fps publish through the real server in this process (RTMP in, HLS out), once with
 * the model and once with `--model none` (all-bicubic) for the flicker reference, and, when the
 * server runs a model ladder, once more with `--fallback-model none` (the model alone) so the
 * ladder's gain in AI frames is measured side by side. Reads
 * /api/streams while it runs and /metrics at the end; decodes the top HLS rendition of both runs
 * to measure flicker (mean absolute frame-to-frame luma difference).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVE_DEFAULTS } from '../config/serve-config.js';
import { formatX264Presets, type X264PresetChoice } from '../encode/video-codec.js';
import type { Logger } from '../log/logger.js';
import type { StreamSnapshot } from '../stream/stream-snapshot.js';
import { upscaleFrameBicubic, upscaledGeometry } from '../upscale/bicubic.js';
import { frameGeometry } from '../media/frame.js';
import { row, type BenchRow, type BenchSection } from './bench-section.js';
import { FlickerMeter, fmt, median } from './bench-stats.js';
import {
  decodeLuma,
  makeClip,
  metricsText,
  metricValue,
  sampleWhileLive,
  startLiveServer,
  startPublisher,
  streamSnapshot,
  waitFor,
} from './live-harness.js';
import { syntheticFrames } from './stage-throughput.js';
import { UprezError } from '../errors.js';
import type { ProviderChoice } from '../upscale/model-runner.js';

/** LiveBenchOptions: binaries, model flag, provider, seconds per run, a logger. */
export interface LiveBenchOptions {
  readonly ffmpeg: string;
  /** --model value for the server; undefined: the default model. */
  readonly model: string | undefined;
  /** --fallback-model value for the server; undefined: the server's default. */
  readonly fallbackModel?: string | undefined;
  readonly provider: ProviderChoice;
  readonly seconds: number;
  /** The server's --inference-workers (default: the server's). */
  readonly workers?: number;
  /** The server's --hysteresis (default on). */
  readonly hysteresis?: boolean;
  /** The server's --x264-preset (default: the server's). */
  readonly x264Preset?: X264PresetChoice;
  readonly log: Logger;
}

const SIZES = [
  { w: 640, h: 360 },
  { w: 1280, h: 720 },
] as const;

const BUDGET_MS = 250;

/** RunResult is one publish through the server. */
interface RunResult {
  readonly final: StreamSnapshot;
  readonly live: readonly StreamSnapshot[];
  readonly flicker: number;
  readonly decodedFrames: number;
  readonly metricsFrames: { model: number; bicubic: number };
  readonly provider: 'cpu' | 'cuda' | null;
}

async function onePublish(
  o: LiveBenchOptions,
  clip: string,
  w: number,
  h: number,
  model: string | undefined,
  key: string,
  fallbackModel = o.fallbackModel,
): Promise<RunResult> {
  const flags = [
    ...(model ? ['--model', model] : []),
    ...(fallbackModel && model !== 'none' ? ['--fallback-model', fallbackModel] : []),
    '--provider',
    o.provider,
    '--latency-budget-ms',
    String(BUDGET_MS),
    '--inference-workers',
    String(o.workers ?? SERVE_DEFAULTS.inferenceWorkers),
    '--hysteresis',
    o.hysteresis === false ? 'off' : 'on',
    '--x264-preset',
    formatX264Presets(o.x264Preset ?? SERVE_DEFAULTS.x264Preset),
    '--log-level',
    'warn',
  ];
  const srv = await startLiveServer(flags, o.log);
  try {
    const pub = startPublisher(o.ffmpeg, clip, `rtmp://127.0.0.1:${srv.rtmpPort}/live/${key}`, o.log);
    let publishing = true;
    void pub.exited.then(() => (publishing = false));
    const live = await sampleWhileLive(srv.base, key, () => publishing);
    const exit = await pub.exited;
    if (exit.code !== 0) throw new UprezError('BENCH_SERVER_FAILED', `publisher failed: ${exit.stderrTail.slice(-2).join(' | ')}`);
    const final = await waitFor(`stream ${key} to end`, 60_000, async () => {
      const s = await streamSnapshot(srv.base, key);
      return s && (s.state === 'ended' || s.state === 'failed') ? s : undefined;
    });
    const metrics = await metricsText(srv.base);
    const metricsFrames = {
      model: metricValue(metrics, 'uprez_frames_total', { stream: key, path: 'model' }),
      bicubic: metricValue(metrics, 'uprez_frames_total', { stream: key, path: 'bicubic' }),
    };
    const top = [...final.renditions].sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!top) throw new UprezError('BENCH_OUTPUT_INVALID', 'the stream has no HLS renditions');
    const playlist = path.join(srv.dataDir, top.playlist.replace(/^\//, ''));
    const meter = new FlickerMeter(3);
    const decodedFrames = await decodeLuma(o.ffmpeg, playlist, 2 * w, 2 * h, o.log, (y) => meter.add(y));
    return { final, live, flicker: meter.value, decodedFrames, metricsFrames, provider: final.provider };
  } finally {
    await srv.close();
  }
}

/** fallbackMs times the whole-frame bicubic at this size (the slack the p99 target allows). */
function fallbackMs(w: number, h: number): number {
  const g = frameGeometry(w, h);
  const frames = syntheticFrames(g, 4);
  const dst = new Uint8Array(upscaledGeometry(g, 2).frameSize);
  for (const f of frames) upscaleFrameBicubic(f, g, 2, dst);
  const ts: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    upscaleFrameBicubic(frames[i % 4] as Uint8Array, g, 2, dst);
    ts.push(performance.now() - t0);
  }
  return Math.max(...ts);
}

/** runLiveBench publishes 360p and 720p for `seconds` each, model then all-bicubic. */
export async function runLiveBench(o: LiveBenchOptions): Promise<BenchSection> {
  const dir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-clips-'));
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  let provider: 'cpu' | 'cuda' | null = null;
  try {
    for (const s of SIZES) {
      const clip = await makeClip(o.ffmpeg, dir, s.w, s.h, o.seconds, o.log);
      const label = `${s.w}x${s.h} -> ${2 * s.w}x${2 * s.h}`;
      const ai = await onePublish(o, clip, s.w, s.h, o.model, `live${s.h}`);
      const ref = await onePublish(o, clip, s.w, s.h, 'none', `ref${s.h}`);
      // With a ladder: the model alone, for the share of AI frames the fallback model adds.
      const alone = ai.final.fallbackModel ? await onePublish(o, clip, s.w, s.h, o.model, `alone${s.h}`, 'none') : null;
      provider = ai.provider ?? provider;
      const f = ai.final;
      const expected = o.seconds * 30;
      const fps = median(ai.live.slice(3).map((x) => x.outputFps));
      const slack = fallbackMs(s.w, s.h);
      // End to end: against the frames published, not only those that reached the stage.
      rows.push(
        row(
          `${label}: frames out / published`,
          `${f.frames.out} out (${f.frames.in} into the stage)`,
          `${expected} published`,
          f.frames.out / expected,
          '>= 1.0',
        ),
      );
      rows.push(
        row(
          `${label}: output fps (median while live)`,
          `${fmt(fps, 2)} fps`,
          `${f.input?.fps ?? 30} fps in`,
          fps / (f.input?.fps ?? 30),
          '>= 0.97',
        ),
      );
      rows.push(
        row(
          `${label}: p99 stage latency`,
          `${fmt(f.latencyMs.p99, 1)} ms`,
          `budget ${BUDGET_MS} + fallback ${fmt(slack, 2)} ms`,
          f.latencyMs.p99 / (BUDGET_MS + slack),
          '<= 1.0',
        ),
      );
      const byModel = Object.entries(f.frames.byModel)
        .map(([m, n]) => `${m} ${n}`)
        .join(' + ');
      rows.push(
        row(
          `${label}: AI-frame share`,
          `${fmt(100 * f.aiShare, 1)} %`,
          `${f.frames.model} model${byModel ? ` (${byModel})` : ''} / ${f.frames.bicubic} bicubic`,
          null,
        ),
      );
      if (alone) {
        const a = alone.final;
        rows.push(
          row(
            `${label}: AI-frame share, ${a.model ?? 'model'} alone (--fallback-model none)`,
            `${fmt(100 * a.aiShare, 1)} %`,
            `${a.frames.model} model / ${a.frames.bicubic} bicubic; flicker ${fmt(alone.flicker, 3)}`,
            null,
          ),
        );
      }
      rows.push(
        row(
          `${label}: flicker (mean abs luma diff, frame to frame)`,
          `${fmt(ai.flicker, 3)}`,
          `all-bicubic ${fmt(ref.flicker, 3)}`,
          ai.flicker / ref.flicker,
        ),
      );
      const reasons =
        Object.entries(f.fallbacks)
          .filter(([, n]) => n > 0)
          .map(([r, n]) => `${r} ${n}`)
          .join(', ') || 'none';
      notes.push(
        `${label}: model ${f.model ?? 'none'}${f.fallbackModel ? `, fallback model ${f.fallbackModel}` : ', no fallback model'}; fallbacks by reason: ${reasons}; deadline misses ${f.deadlineMisses}; p50 ${fmt(f.latencyMs.p50, 1)} ms; /metrics frames_total model ${ai.metricsFrames.model} + bicubic ${ai.metricsFrames.bicubic}; HLS frames decoded ${ai.decodedFrames} (reference run: ${ref.decodedFrames}, ${ref.final.frames.out}/${ref.final.frames.in} frames).`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const workers = o.workers ?? SERVE_DEFAULTS.inferenceWorkers;
  const preset = o.x264Preset ?? SERVE_DEFAULTS.x264Preset;
  const defaults = workers === SERVE_DEFAULTS.inferenceWorkers && o.hysteresis !== false && preset === SERVE_DEFAULTS.x264Preset;
  notes.unshift(
    `Real server in-process (RTMP in, x264 HLS ladder out), ffmpeg -re publishing a pre-encoded ${o.seconds} s 30 fps testsrc2 clip with audio; settings: latency budget ${BUDGET_MS} ms, ${workers} inference worker(s) x 1 intra-op thread, 4 in flight, hysteresis ${o.hysteresis === false ? 'off' : 'on'}, x264 preset ${preset}${defaults ? ' (the server defaults)' : ''}, provider ${provider ?? 'none (no model)'}.`,
    'Flicker: the top HLS rendition decoded after the run; mean |Y(t) - Y(t-1)| over every 3rd pixel, beside the same clip through the same server with --model none. The test pattern moves, so most of both figures is motion; the ratio is what switching paths adds.',
    'p99 stage latency is from /api/streams (decoder-out to encoder-in over the last 1024 frames); the fallback figure is the slowest of 20 whole-frame bicubic runs at that size.',
  );
  return { id: 'live', title: 'Live: 30 fps publish through the server, x2', rows, notes, ...(provider ? { provider } : {}) };
}

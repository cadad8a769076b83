/**
 * One live run of the viewer-quality benchmark: a fresh `uprez serve` process, the publisher's
 * clip pushed in real time (-re), /api/streams sampled while live and read once the stream has
 * ended, and the top HLS rendition's ended playlist (ENDLIST checked, every segment) decoded to
 * raw luma for scoring.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { startPublisher, waitFor } from './live-harness.js';
import { startServe } from './serve-process.js';
import { decodeLumaArgs } from './viewer-media.js';
import { relativeInside } from '../paths/path-inside.js';

/** ApiStream is the part of an /api/streams entry this benchmark reads (validated, not trusted). */
export interface ApiStream {
  readonly state: string;
  readonly input: { readonly width: number; readonly height: number; readonly fps: number } | null;
  readonly frames: {
    readonly in: number;
    readonly out: number;
    readonly model: number;
    readonly bicubic: number;
    readonly byModel: Readonly<Record<string, number>>;
  };
  /** Share of output luma pixels a model made (per-tile scheduling), 0..1; NaN from a server that does not report it. */
  readonly aiPixelShare: number;
  readonly model: string | null;
  readonly fallbackModel: string | null;
  readonly provider: string | null;
  readonly deadlineMisses: number;
  readonly outputFps: number;
  readonly error: string | null;
  readonly renditions: readonly { readonly width: number; readonly height: number; readonly playlist: string }[];
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UprezError('BENCH_SERVER_FAILED', `/api/streams: ${what} is not a number`);
  return v;
};
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** parseApiStream checks the fields this benchmark needs and returns them typed. */
export function parseApiStream(json: unknown): ApiStream {
  const o = (json ?? {}) as Record<string, unknown>;
  const f = (o['frames'] ?? {}) as Record<string, unknown>;
  const i = o['input'] as Record<string, unknown> | null | undefined;
  const byModel: Record<string, number> = {};
  for (const [k, v] of Object.entries((f['byModel'] ?? {}) as Record<string, unknown>)) byModel[k] = num(v, `frames.byModel.${k}`);
  const renditions = Array.isArray(o['renditions']) ? (o['renditions'] as Record<string, unknown>[]) : [];
  return {
    state: String(o['state']),
    input: i ? { width: num(i['width'], 'input.width'), height: num(i['height'], 'input.height'), fps: num(i['fps'], 'input.fps') } : null,
    frames: {
      in: num(f['in'], 'frames.in'),
      out: num(f['out'], 'frames.out'),
      model: num(f['model'], 'frames.model'),
      bicubic: num(f['bicubic'], 'frames.bicubic'),
      byModel,
    },
    aiPixelShare: o['aiPixelShare'] === undefined ? NaN : num(o['aiPixelShare'], 'aiPixelShare'),
    model: strOrNull(o['model']),
    fallbackModel: strOrNull(o['fallbackModel']),
    provider: strOrNull(o['provider']),
    deadlineMisses: num(o['deadlineMisses'] ?? 0, 'deadlineMisses'),
    outputFps: num(o['outputFps'] ?? 0, 'outputFps'),
    error: strOrNull(o['error']),
    renditions: renditions.map((r) => ({
      width: num(r['width'], 'rendition width'),
      height: num(r['height'], 'rendition height'),
      playlist: String(r['playlist']),
    })),
  };
}

async function apiStream(base: string, key: string): Promise<ApiStream | undefined> {
  const res = await fetch(`${base}/api/streams/${encodeURIComponent(key)}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new UprezError('BENCH_SERVER_FAILED', `/api/streams/${key}: HTTP ${res.status}`);
  return parseApiStream(await res.json());
}

/** playlistSummary counts a media playlist's segments and whether it has ended (#EXT-X-ENDLIST). */
export function playlistSummary(text: string): { segments: number; endlist: boolean } {
  return { segments: (text.match(/^#EXTINF:/gm) ?? []).length, endlist: /^#EXT-X-ENDLIST\s*$/m.test(text) };
}

/** LiveRunOptions: binaries, the CLI, the publisher's clip, the stream key and the serve flags. */
export interface LiveRunOptions {
  readonly ffmpeg: string;
  readonly cli: string;
  readonly cwd?: string;
  readonly clip: string;
  readonly key: string;
  readonly serveFlags: readonly string[];
  /** Raw luma file for the top rendition; null: do not decode (time-only runs). */
  readonly lumaOut: string | null;
  readonly log: Logger;
}

/** LiveRun is what one run measured. */
export interface LiveRun {
  readonly stream: ApiStream;
  /** outputFps samples (1 s apart) while the stream was live. */
  readonly fpsSamples: readonly number[];
  readonly top: { readonly width: number; readonly height: number; readonly segments: number; readonly endlist: boolean };
  /** Frames decoded from the top rendition; null when not decoded. */
  readonly decodedFrames: number | null;
  /** Seconds from the publisher's end to the stream's end: what the server still had to work off. */
  readonly drainSeconds: number;
  /** The server's distinct warning and error messages (its stderr, timestamps and fields dropped), oldest first. */
  readonly warnings: readonly string[];
}

/** warningMessages reduces logger lines (`<time> WARN  message k=v ...`) to their distinct messages. */
export function warningMessages(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^\S+\s+(WARN|ERROR)\s+(.*?)(?:\s+\w+=.*)?$/.exec(l);
    const msg = m ? `${m[1]}: ${m[2]}` : null;
    if (msg && !out.includes(msg)) out.push(msg);
  }
  return out;
}

/** END_WAIT_MS bounds the wait for a stream to end after its publisher: a server far behind works off its backlog first. */
const END_WAIT_MS = 300_000;

/** runLive publishes the clip through a fresh server and records the top rendition. */
export async function runLive(o: LiveRunOptions): Promise<LiveRun> {
  const srv = await startServe({
    cli: o.cli,
    flags: ['--reconnect-window-s', '0', '--hls-list-size', '100000', ...o.serveFlags],
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  try {
    const pub = startPublisher(o.ffmpeg, o.clip, `rtmp://127.0.0.1:${srv.rtmpPort}/live/${o.key}`, o.log);
    let publishing = true;
    void pub.exited.then(() => (publishing = false));
    const fpsSamples: number[] = [];
    while (publishing) {
      const s = await apiStream(srv.base, o.key);
      if (s?.state === 'live') fpsSamples.push(s.outputFps);
      await sleep(1_000);
    }
    const exit = await pub.exited;
    const published = Date.now();
    if (exit.code !== 0) throw new UprezError('BENCH_SERVER_FAILED', `publisher failed: ${exit.stderrTail.slice(-2).join(' | ')}`);
    const stream = await waitFor(`stream ${o.key} to end`, END_WAIT_MS, async () => {
      const s = await apiStream(srv.base, o.key);
      return s && (s.state === 'ended' || s.state === 'failed') ? s : undefined;
    });
    const drainSeconds = (Date.now() - published) / 1000;
    if (stream.state === 'failed')
      throw new UprezError(
        'BENCH_SERVER_FAILED',
        `stream failed: ${stream.error ?? 'no reason given'}; server stderr: ${srv.stderrTail().slice(-3).join(' | ')}`,
      );
    const topR = [...stream.renditions].sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!topR) throw new UprezError('BENCH_OUTPUT_INVALID', 'the stream has no HLS renditions');
    const playlist = path.join(srv.dataDir, topR.playlist.replace(/^\/+/, ''));
    if (!relativeInside(srv.dataDir, playlist))
      throw new UprezError('BENCH_SERVER_FAILED', `rendition playlist ${topR.playlist} is outside the data dir`);
    const summary = playlistSummary(await readFile(playlist, 'utf8'));
    if (!summary.endlist) throw new UprezError('BENCH_OUTPUT_INVALID', `${topR.playlist} has no #EXT-X-ENDLIST after the stream ended`);
    let decodedFrames: number | null = null;
    if (o.lumaOut) {
      await runFfmpeg({ bin: o.ffmpeg, args: decodeLumaArgs(playlist, o.lumaOut), name: 'ffmpeg', log: o.log, timeoutMs: null });
      decodedFrames = (await stat(o.lumaOut)).size / (topR.width * topR.height);
    }
    return {
      stream,
      fpsSamples,
      top: { width: topR.width, height: topR.height, ...summary },
      decodedFrames,
      drainSeconds,
      warnings: warningMessages(srv.stderrTail()),
    };
  } finally {
    await srv.stop();
  }
}

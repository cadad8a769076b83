import { execFile } from 'node:child_process';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UprezError, errorMessage } from '../errors.js';
import { HLS_LAYOUT } from '../encode/encoder-args.js';
import type { Rung } from '../encode/ladder.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import { probeMedia } from '../ffmpeg/probe.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import type { Logger } from '../log/logger.js';
import { segmentDurations, type SegmentPlan } from './segment-plan.js';
import {
  TEXT_SUBTITLE_CODECS,
  mp4MuxArgs,
  parseSubtitleStreams,
  subtitleExtractArgs,
  subtitleProbeArgs,
  type SubtitleStream,
} from './vod-ffmpeg-args.js';
import { vodMasterPlaylist, vodMediaPlaylist, webVttForHls, type SubtitleTrack } from '../hls/vod-playlists.js';

/** The MP4 a file job writes with --mp4, in its output directory. */
export const MP4_NAME = 'upscaled.mp4';

/** FinalizeOptions: what the finished encode produced and what else to write. */
export interface FinalizeOptions {
  readonly binaries: FfmpegBinaries;
  readonly log: Logger;
  readonly outDir: string;
  /** Where the input is (for its subtitle streams). */
  readonly input: string;
  readonly rungs: readonly Rung[];
  readonly plan: SegmentPlan;
  readonly totalFrames: number;
  readonly mp4: boolean;
  readonly signal?: AbortSignal;
}

/** FinalizeResult lists what was written. */
export interface FinalizeResult {
  readonly master: string;
  readonly segments: number;
  readonly subtitles: readonly string[];
  readonly mp4: string | null;
}

/**
 * finalizeVod turns a finished encode into the VOD output: every rung's media playlist rewritten
 * as #EXT-X-PLAYLIST-TYPE:VOD from the segment plan (exact durations, all runs of a resumed job,
 * each segment checked on disk), text subtitles as WebVTT renditions, the master playlist, and
 * with `mp4` one MP4 of the top rung with the subtitles as mov_text. Idempotent.
 */
export async function finalizeVod(o: FinalizeOptions): Promise<FinalizeResult> {
  const durations = segmentDurations(o.plan, o.totalFrames);
  if (durations.length === 0) throw new UprezError('FILE_EMPTY', 'the input produced no video frames');
  for (const r of o.rungs) {
    const segments = durations.map((duration, i) => ({ uri: segmentName(i), duration }));
    for (const s of segments) {
      try {
        await access(path.join(o.outDir, r.name, s.uri));
      } catch {
        throw new UprezError('SEGMENT_MISSING', `rung ${r.name} lacks ${s.uri}; rerun the job to write it`);
      }
    }
    await writeAtomic(path.join(o.outDir, r.name, HLS_LAYOUT.media), vodMediaPlaylist(segments));
  }
  const total = durations.reduce((a, b) => a + b, 0);
  const top = o.rungs[0] as Rung;
  const subs = await writeSubtitles(o, total, top);
  const master = path.join(o.outDir, HLS_LAYOUT.master);
  await writeAtomic(
    master,
    vodMasterPlaylist(
      o.rungs,
      o.plan.fpsNum / o.plan.fpsDen,
      subs.map((s) => s.track),
    ),
  );
  let mp4: string | null = null;
  if (o.mp4) {
    mp4 = path.join(o.outDir, MP4_NAME);
    const part = `${mp4}.part`;
    const args = mp4MuxArgs({
      playlist: path.join(o.outDir, top.name, HLS_LAYOUT.media),
      subtitles: subs.map((s) => ({ file: s.file, ...s.meta })),
      out: part,
    });
    await runFfmpeg({ bin: o.binaries.ffmpeg, args, name: 'mp4', log: o.log, signal: o.signal });
    await rename(part, mp4);
  }
  return { master, segments: durations.length, subtitles: subs.map((s) => s.track.uri), mp4 };
}

/** segmentName is the file name ffmpeg gives segment `i` (HLS_LAYOUT.segmentPattern). */
export function segmentName(i: number): string {
  return HLS_LAYOUT.segmentPattern.replace('%05d', String(i).padStart(5, '0'));
}

interface WrittenSubtitle {
  readonly track: SubtitleTrack;
  readonly file: string;
  readonly meta: { language?: string; title?: string };
}

/**
 * writeSubtitles extracts each text subtitle stream to WebVTT (subtitles/sN.vtt, kept for the
 * MP4) and an HLS rendition of it: one VOD segment spanning the whole programme, with
 * X-TIMESTAMP-MAP tying cue time 0 to the first video frame's PTS. Bitmap subtitles are skipped
 * with a warning (they cannot become text without OCR).
 */
async function writeSubtitles(o: FinalizeOptions, totalSeconds: number, top: Rung): Promise<WrittenSubtitle[]> {
  const streams = await listSubtitles(o.binaries.ffprobe, o.input, o.log);
  const text = streams.filter((s) => TEXT_SUBTITLE_CODECS.has(s.codec));
  for (const s of streams)
    if (!text.includes(s))
      o.log.warn('bitmap subtitle stream skipped (only text subtitles are carried)', { stream: s.ordinal, codec: s.codec });
  if (text.length === 0) return [];
  const probe = await probeMedia(o.binaries.ffprobe, path.join(o.outDir, top.name, segmentName(0)));
  const start = probe.streams.find((s) => s.codecType === 'video')?.startTime ?? 0;
  const dir = path.join(o.outDir, 'subtitles');
  const out: WrittenSubtitle[] = [];
  for (const s of text) {
    const id = `s${s.ordinal}`;
    const vtt = path.join(dir, `${id}.vtt`);
    await mkdir(path.join(dir, id), { recursive: true });
    await runFfmpeg({
      bin: o.binaries.ffmpeg,
      args: subtitleExtractArgs(o.input, s.ordinal, vtt),
      name: 'subtitles',
      log: o.log,
      signal: o.signal,
    });
    await writeAtomic(path.join(dir, id, 'sub.vtt'), webVttForHls(await readFile(vtt, 'utf8'), start * 90_000));
    await writeAtomic(path.join(dir, id, HLS_LAYOUT.media), vodMediaPlaylist([{ uri: 'sub.vtt', duration: totalSeconds }]));
    const meta = { ...(s.language ? { language: s.language } : {}), ...(s.title ? { title: s.title } : {}) };
    out.push({
      track: { name: s.title ?? s.language ?? `Subtitles ${s.ordinal + 1}`, ...meta, uri: `subtitles/${id}/${HLS_LAYOUT.media}` },
      file: vtt,
      meta,
    });
  }
  return out;
}

function listSubtitles(ffprobe: string, input: string, log: Logger): Promise<SubtitleStream[]> {
  return new Promise((resolve) => {
    execFile(ffprobe, subtitleProbeArgs(input), { timeout: 30_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      if (err) {
        log.warn('could not list subtitle streams; none carried', { err: errorMessage(err) });
        resolve([]);
        return;
      }
      try {
        resolve(parseSubtitleStreams(JSON.parse(String(stdout)) as unknown));
      } catch (e) {
        log.warn('unreadable subtitle listing; none carried', { err: errorMessage(e) });
        resolve([]);
      }
    });
  });
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

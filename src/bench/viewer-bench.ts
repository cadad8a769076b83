/**
 * `uprez bench --only viewer`: what reaches the viewer of a live stream. Real clips are the
 * truth; each is downscaled x2, encoded as a publisher would, published live through a real
 * `uprez serve` process, and the top HLS rendition is scored against the truth (Y-PSNR, SSIM,
 * flicker on static pixels) beside the same run with --model none. Time-only runs at 640x360 and
 * 1280x720 give the AI share and the frame rate at the sizes live streams carry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatX264Presets } from '../encode/video-codec.js';
import { errorMessage, UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { row, type BenchRow, type BenchSection } from './bench-section.js';
import { fmt, median } from './bench-stats.js';
import { SCALE, type ViewerContext, type ViewerServer } from './viewer-context.js';
import { discoverClips, pickClips, type ViewerClip } from './viewer-clips.js';
import { ALIGN } from './luma-score.js';
import { runQualityClip, type QualityExtra } from './viewer-quality.js';
import {
  flickerTable,
  issueNotes,
  offlineTable,
  qualityTable,
  timeIssueNotes,
  timeTable,
  type QualityCase,
  type TimeCase,
} from './viewer-report.js';
import { FPS_SKIP, runTimeCases, TIME_SIZES } from './viewer-time.js';

/** ViewerBenchOptions: binaries, the server, the clips and how much to run. */
export interface ViewerBenchOptions {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** The server; `cli` null means no built CLI was found (an error naming the fix). */
  readonly server: Omit<ViewerServer, 'cli'> & { readonly cli: string | null };
  readonly videoDir: string;
  /** Clip names to score (null: every clip found). */
  readonly clips: readonly string[] | null;
  readonly crfs: readonly number[];
  readonly repeats: number;
  readonly ssimEvery: number;
  /** Seconds of each time-only run; 0 skips them. */
  readonly timeSeconds: number;
  readonly timeSizes?: readonly { readonly width: number; readonly height: number }[];
  /** Also score `uprez file` in quality mode per clip and CRF (the model on every frame). */
  readonly offline?: boolean;
  /** The publisher's keyframe interval, s (default 2; tests use one keyframe per clip so a late decoder loses nothing). */
  readonly gopSeconds?: number;
  /** Clip the time-only runs scale and loop (default bottle-detection, else the first clip). */
  readonly timeClip?: string;
  readonly log: Logger;
  readonly progress?: (line: string) => void;
}

const TITLE = 'Viewer quality: a real clip published live, the top rendition against the original (x2)';

/** timeSource picks the file the time-only runs loop. */
export function timeSource(clips: readonly ViewerClip[], name = 'bottle-detection'): string | null {
  return (clips.find((c) => c.name === name) ?? clips[0])?.files[0] ?? null;
}

/** targetRows are issue 12's targets that these runs can check. */
export function targetRows(quality: readonly QualityCase[], time: readonly TimeCase[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const shareTarget: Record<string, string> = { '640x360': '>= 0.95', '1280x720': '>= 0.50' };
  for (const t of time) {
    // Issue 12 counts luma pixels; a server without per-tile figures is judged on whole frames.
    const px = median(t.model.map((r) => r.aiPixelShare));
    const share = Number.isFinite(px) ? px : median(t.model.map((r) => r.aiShare));
    rows.push(
      row(
        `${t.inSize} in: AI share of output ${Number.isFinite(px) ? 'luma pixels' : 'frames'}`,
        `${fmt(100 * share, 1)} %`,
        'all of them',
        share,
        shareTarget[t.inSize] ?? '',
      ),
    );
    const fps = median(t.model.map((r) => r.fps));
    rows.push(
      row(`${t.inSize} in: output fps with the model`, `${fmt(fps, 2)} fps`, `${fmt(t.inputFps, 2)} fps in`, fps / t.inputFps, '>= 0.97'),
    );
  }
  for (const q of quality) {
    const m = median(q.model.map((r) => r.staticFlicker));
    const b = median(q.bicubic.map((r) => r.staticFlicker));
    rows.push(row(`${q.clip} CRF ${q.crf}: flicker on static pixels`, fmt(m, 3), `bicubic ${fmt(b, 3)}`, m / b, '<= 1.0'));
  }
  return rows;
}

function range(xs: readonly number[]): string {
  return xs.length ? `median ${fmt(median(xs), 2)} (${fmt(Math.min(...xs), 2)}-${fmt(Math.max(...xs), 2)})` : 'n/a';
}

/** runViewerBench runs the scored clips, then the time-only sizes, and returns the section. */
export async function runViewerBench(o: ViewerBenchOptions): Promise<BenchSection> {
  const cli = o.server.cli;
  if (!cli)
    throw new UprezError(
      'BENCH_NOT_READY',
      'the viewer benchmark runs the built CLI (dist/src/cli/main.js) as `uprez serve`: run `npm run build` first, or pass --cli PATH',
    );
  const all = discoverClips(o.videoDir);
  if (!all || all.length === 0) {
    return {
      id: 'viewer',
      title: TITLE,
      rows: [],
      notes: [`Skipped: no clips in ${o.videoDir} (pass --video-dir DIR; the clips are described in ../shared/datasets/README.md).`],
    };
  }
  const clips = pickClips(all, o.clips);
  const c: ViewerContext = {
    ffmpeg: o.ffmpeg,
    ffprobe: o.ffprobe,
    server: { ...o.server, cli },
    log: o.log,
    progress: o.progress ?? (() => {}),
    loads: [],
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-viewer-'));
  const extra: QualityExtra = { models: new Set(), minAlignMargin: Infinity, provider: null };
  const quality: QualityCase[] = [];
  let time: TimeCase[] = [];
  // A failed clip (or the time runs) is reported and the rest still run: a full run takes an hour.
  const failures: string[] = [];
  const gop = o.gopSeconds ? { gopSeconds: o.gopSeconds } : {};
  try {
    for (const clip of clips) {
      try {
        quality.push(
          ...(await runQualityClip(
            c,
            clip,
            { crfs: o.crfs, repeats: o.repeats, ssimEvery: o.ssimEvery, dir, offline: o.offline === true, ...gop },
            extra,
          )),
        );
      } catch (err) {
        failures.push(`**${clip.name} failed**: ${errorMessage(err)}`);
        c.progress(`viewer: ${clip.name} failed: ${errorMessage(err)}`);
      }
    }
    const source = timeSource(all, o.timeClip);
    if (o.timeSeconds > 0 && source) {
      try {
        time = await runTimeCases(c, {
          source,
          sizes: o.timeSizes ?? TIME_SIZES,
          seconds: o.timeSeconds,
          repeats: o.repeats,
          crf: o.crfs[0] ?? 23,
          dir,
          ...gop,
        });
      } catch (err) {
        failures.push(`**The time-only runs failed**: ${errorMessage(err)}`);
        c.progress(`viewer: time-only runs failed: ${errorMessage(err)}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const s = o.server;
  const notes = [
    `Truth: ${clips.map((x) => `${x.name} (${x.files.length > 1 ? `${x.files.length} files played in a row` : path.basename(x.files[0] ?? '')})`).join(', ')} from ${o.videoDir}, cropped to a multiple of ${2 * SCALE} and converted to limited-range yuv420p, every frame kept. The publisher: the truth downscaled x${SCALE} (swscale bicubic), x264 CRF ${o.crfs.join(' and ')}, -preset veryfast -tune zerolatency, a keyframe every ${o.gopSeconds ?? 2} s, no audio, FLV pushed at real time (-re) over RTMP.`,
    `Server: a fresh \`uprez serve\` process per run (the built CLI, loopback, random ports, UPREZ_* variables cleared): --scale ${SCALE}, --model ${s.model ?? '(default)'}${s.fallbackModel !== undefined ? `, --fallback-model ${s.fallbackModel}` : ''}, --provider ${s.provider}, --inference-workers ${s.workers}, --hysteresis ${s.hysteresis ? 'on' : 'off'}, --x264-preset ${formatX264Presets(s.x264Preset)}, otherwise the defaults; the bicubic side is the same with --model none. Models that made frames: ${[...extra.models].join(', ') || 'none'}; provider ${extra.provider ?? 'none'}.`,
    `Viewer side: after the stream ended, the top rendition's media playlist (#EXT-X-ENDLIST checked, every segment kept) is decoded with every frame kept (-fps_mode passthrough) and its Y plane taken as coded (BT.601 luma of limited-range yuv420p, no conversion on either side). Frames in/out are /api/streams' frames.in/out; the AI share is /api/streams' aiPixelShare (luma pixels a model made) / frames.model over frames.out, at the end.`,
    `Alignment: output frame i is scored against truth frame i + offset, the offset that maximises the mean Y-PSNR over the whole clip within ±${ALIGN.maxOffset} frames (widened by the difference in frame counts, for frames lost at the start); the chosen offset beat the runner-up by at least ${fmt(extra.minAlignMargin, 2)} dB. The first and the last ${ALIGN.frames} frames are then aligned on their own: an end that is decisively (0.5 dB) better at another offset flags the run (a frame lost or repeated mid-stream), as do frames that never reached the stage; flagged runs are listed below.`,
    `Scores: Y-PSNR (mean of per-frame PSNR, ${SCALE}-pixel border shaved, identical frames counted as 100 dB) on every aligned frame; SSIM (Wang et al., 11x11 Gaussian) on ${o.ssimEvery === 1 ? 'every frame' : `every ${o.ssimEvery}th frame of the truth (the same frames in every run)`}; both from src/eval. Gains are the median over repeats of the paired difference (model run minus the bicubic run beside it) over the truth frames both runs showed; the PSNR and SSIM columns are each run's own mean. ${o.repeats} repeat(s), model and bicubic runs interleaved (repeat 1, 3, ... runs the model first, repeat 2, 4, ... bicubic first).`,
    ...(time.length
      ? [
          `Time-only runs: ${path.basename(timeSource(all, o.timeClip) ?? '')} scaled (bicubic) to each size and looped to ${o.timeSeconds} s, x264 CRF ${o.crfs[0] ?? 23} as above; output fps = median of /api/streams outputFps sampled each second while live, the first ${FPS_SKIP} samples skipped; drain = seconds from the publisher's end to the stream's end (the backlog the server still had, plus the last segment's flush).`,
        ]
      : []),
    ...failures,
    ...issueNotes(quality),
    ...timeIssueNotes(time),
    `Load: 1-minute load average at the start of each run ${range(c.loads)} on this shared machine. The load columns are the median at the start of the model runs: the AI share and fps follow it; the bicubic side's quality does not.`,
  ];
  if (quality.length === 0 && time.length === 0)
    throw new UprezError('BENCH_NOTHING_MEASURED', failures.join(' ') || 'nothing was measured');
  const offline = offlineTable(quality);
  const tables = [
    ...(quality.length ? [qualityTable(quality), flickerTable(quality)] : []),
    ...(offline.rows.length ? [offline] : []),
    ...(time.length ? [timeTable(time)] : []),
  ];
  return {
    id: 'viewer',
    title: TITLE,
    rows: targetRows(quality, time),
    tables,
    notes,
    ...(extra.provider === 'cpu' || extra.provider === 'cuda' ? { provider: extra.provider } : {}),
  };
}

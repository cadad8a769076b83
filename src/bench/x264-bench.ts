/**
 * x264 ladder cost: what the live ladder's x264 encodes cost in CPU at each preset per rung, and
 * what a faster preset costs in bits and PSNR. For a 640x360 and a 1280x720 input at x2, the
 * upscaled frames (bicubic) are written once as y4m; each repeat then encodes the server's ladder
 * for every preset combination (in a rotating order, so a noisy neighbour hits all alike) with
 * ffmpeg -benchmark (its user + system CPU and wall time, process start excluded).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import type { BenchSection } from './bench-section.js';
import { median } from './bench-stats.js';
import { UprezError } from '../errors.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { parseBenchmark } from './ffmpeg-run.js';
import {
  X264_BENCH_FPS,
  combosFor,
  comboLabel,
  ladderEncodeArgs,
  liveLadder,
  sourceY4mArgs,
  topPsnrArgs,
  type PresetCombo,
} from './x264-ladder-args.js';
import { parseOutputStreams, parsePsnrY } from './x264-ladder-parse.js';
import { x264Table, type ComboResult, type LadderResult } from './x264-ladder-table.js';

/** X264_CLIP is the real clip preferred as the source when the video directory has it. */
export const X264_CLIP = 'bottle-detection.mp4';

/** X264BenchOptions: ffmpeg, quick mode, the video directory to take X264_CLIP from, and overrides for tests. */
export interface X264BenchOptions {
  readonly ffmpeg: string;
  readonly quick: boolean;
  readonly videoDir: string;
  readonly log: Logger;
  /** Input sizes (before x2); default 640x360 and 1280x720. */
  readonly sizes?: readonly { readonly width: number; readonly height: number }[];
  /** Frames per encode; default 120 (4 s), 30 with quick. */
  readonly frames?: number;
  /** Repeats; default 3, 1 with quick. */
  readonly repeats?: number;
  /** Progress lines (stderr). */
  readonly progress?: (line: string) => void;
}

const DEFAULT_SIZES = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
] as const;

interface Run {
  readonly cpuMs: number;
  readonly wallS: number;
  readonly topBytes: number;
}

async function encodeOnce(
  o: X264BenchOptions,
  y4m: string,
  w: number,
  h: number,
  combo: PresetCombo,
  out: string,
  frames: number,
): Promise<Run> {
  const r = await runFfmpeg({
    bin: o.ffmpeg,
    args: ladderEncodeArgs(y4m, w, h, combo, out),
    name: 'bench-x264',
    log: o.log,
    timeoutMs: null,
  });
  const b = parseBenchmark(r.stderrTail);
  const top = parseOutputStreams(r.stderrTail)[0];
  if (!b || !top)
    throw new UprezError(
      'BENCH_OUTPUT_INVALID',
      `ffmpeg printed no -benchmark line or stream totals (last lines: ${r.stderrTail.slice(-3).join(' | ')})`,
    );
  if (top.frames !== frames) throw new UprezError('BENCH_OUTPUT_INVALID', `top rung has ${top.frames} frames, expected ${frames}`);
  return { cpuMs: (b.utime + b.stime) * 1000, wallS: b.rtime, topBytes: top.bytes };
}

async function topPsnr(o: X264BenchOptions, encoded: string, y4m: string): Promise<number> {
  const r = await runFfmpeg({ bin: o.ffmpeg, args: topPsnrArgs(encoded, y4m), name: 'bench-x264', log: o.log, timeoutMs: null });
  const p = parsePsnrY(r.stderrTail);
  if (p === null)
    throw new UprezError('BENCH_OUTPUT_INVALID', `psnr filter printed no summary (last lines: ${r.stderrTail.slice(-3).join(' | ')})`);
  return p;
}

function ladderLabel(w: number, h: number): string {
  const rungs = liveLadder(w, h).map((r) => `${r.width}x${r.height} ${(r.videoBitrate / 1e6).toFixed(2)} Mbit/s`);
  return `${w}x${h} x2: ${rungs.join(' + ')}`;
}

/** runX264Bench measures every preset combination on each input's live ladder. */
export async function runX264Bench(o: X264BenchOptions): Promise<BenchSection> {
  const repeats = o.repeats ?? (o.quick ? 1 : 3);
  const frames = o.frames ?? (o.quick ? 30 : 120);
  const sizes = o.sizes ?? DEFAULT_SIZES;
  const clipPath = path.join(o.videoDir, X264_CLIP);
  const clip = existsSync(clipPath) ? clipPath : null;
  const dir = await mkdtemp(path.join(tmpdir(), 'uprez-x264-'));
  const ladders: LadderResult[] = [];
  try {
    for (const { width: w, height: h } of sizes) {
      const y4m = path.join(dir, `${w}x${h}.y4m`);
      await runFfmpeg({ bin: o.ffmpeg, args: sourceY4mArgs(clip, w, h, frames, y4m), name: 'bench-x264', log: o.log, timeoutMs: null });
      const { combos, autoIndex } = combosFor(liveLadder(w, h));
      const runs: Run[][] = combos.map(() => []);
      const outFile = (i: number) => path.join(dir, `${w}x${h}-${i}.nut`);
      for (let rep = 0; rep < repeats; rep++) {
        for (let k = 0; k < combos.length; k++) {
          const i = (k + rep) % combos.length;
          o.progress?.(`x264 ${w}x${h} ${comboLabel(combos[i] as PresetCombo)} repeat ${rep + 1}/${repeats}`);
          (runs[i] as Run[]).push(await encodeOnce(o, y4m, w, h, combos[i] as PresetCombo, outFile(i), frames));
        }
      }
      const results: ComboResult[] = [];
      for (let i = 0; i < combos.length; i++) {
        const rs = runs[i] as Run[];
        const wall = median(rs.map((r) => r.wallS));
        results.push({
          label: comboLabel(combos[i] as PresetCombo),
          auto: i === autoIndex,
          cpuMsPerFrame: median(rs.map((r) => r.cpuMs)) / frames,
          wallFps: frames / wall,
          topBytes: Math.round(median(rs.map((r) => r.topBytes))),
          topPsnrY: await topPsnr(o, outFile(i), y4m),
        });
      }
      await rm(y4m, { force: true });
      ladders.push({ ladder: ladderLabel(w, h), results });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const source = clip
    ? `${X264_CLIP} (from ${o.videoDir}), its first ${frames} frames scaled (bicubic) to the input size and then x2`
    : `a generated clip (${X264_CLIP} not in ${o.videoDir}): ffmpeg testsrc2 at the input size with temporal noise (alls=12), ${frames} frames, scaled x2 (bicubic)`;
  return {
    id: 'x264',
    title: 'x264 ladder: preset per rung, CPU against bits',
    rows: [],
    tables: [x264Table(ladders, X264_BENCH_FPS)],
    notes: [
      `Source: ${source}, re-timed to ${X264_BENCH_FPS} fps, written once as y4m and read from a file by every encode (the frames the live encoder would get from the bicubic path).`,
      `Encode: one ffmpeg per run with the live server's ladder (buildLadder at x2, 1 s VBV, no audio) and its video settings (rungFilterGraph, videoSettingsArgs: -tune zerolatency, High profile, no B-frames, GOP ${X264_BENCH_FPS * 2}, per-rung -b/-maxrate/-bufsize/-level), -preset:v:N per rung as \`--x264-preset top,lower\` gives; x264's default threads; output to a NUT file instead of HLS.`,
      `CPU ms/frame = ffmpeg -benchmark utime + stime over the frames (the whole ladder: y4m read, the lower rung's scale, both encodes, mux; process start excluded); wall fps = frames / rtime; cores at ${X264_BENCH_FPS} fps = CPU ms/frame x ${X264_BENCH_FPS} / 1000. Medians of ${repeats} repeat(s), every combination once per repeat in a rotating order.`,
      "With -b:v = -maxrate (the server's VBV), every preset lands near the rung's bitrate, so a faster preset's price shows mostly as dB at about the same bits. The frames are bicubic upscales, smoother than camera frames of those sizes (from a clip smaller than the input they are upscaled twice): absolute PSNR is high, and detailed content may show larger differences.",
      'Top-rung bytes: ffmpeg\'s muxed bytes of stream 0 (median); top Y-PSNR: the psnr filter of the top rung against the y4m it was encoded from (last repeat). "(auto)" marks what `--x264-preset auto` resolves to for that ladder at 30 fps.',
    ],
  };
}

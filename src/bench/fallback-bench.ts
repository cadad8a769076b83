/**
 * Fallback cost: the bicubic path's time per frame (Y, U and V) beside ffmpeg's own swscale
 * bicubic doing the same resize of the same raw frames, both single-threaded.
 *
 * ffmpeg's time excludes process start: each ffmpeg run reads all N frames from a file in one
 * process with `-benchmark` (its clock starts after the input and output are open), once with
 * `-vf scale=...:flags=bicubic` and once with `-vf null`; the per-frame scale cost is the
 * difference of the two wall times (rtime) over N, so demuxing the raw file and the null muxer
 * cancel out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { bicubicKernel, upscaleFrameBicubic, upscaledGeometry, useBicubicKernel } from '../upscale/bicubic.js';
import { frameGeometry, type FrameGeometry } from '../media/frame.js';
import { row, type BenchSection } from './bench-section.js';
import { fmt, median } from './bench-stats.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { parseBenchmark, testClipArgs } from './ffmpeg-run.js';
import { UprezError } from '../errors.js';

/** FallbackBenchOptions: the ffmpeg binary, quick mode (fewer frames and repeats), a logger. */
export interface FallbackBenchOptions {
  readonly ffmpeg: string;
  readonly quick: boolean;
  readonly log: Logger;
}

const CASES = [
  { w: 640, h: 360, frames: 240, quickFrames: 60 },
  { w: 1920, h: 1080, frames: 40, quickFrames: 12 },
] as const;

/** oursPerFrameMs times upscaleFrameBicubic over every frame, returning ms per frame. */
function oursPerFrameMs(frames: readonly Uint8Array[], g: FrameGeometry, dst: Uint8Array): number {
  const t0 = performance.now();
  for (const f of frames) upscaleFrameBicubic(f, g, 2, dst);
  return (performance.now() - t0) / frames.length;
}

async function ffmpegRtime(ffmpeg: string, file: string, g: FrameGeometry, vf: string, log: Logger): Promise<number> {
  const args = [
    '-hide_banner',
    '-nostats',
    '-nostdin',
    '-benchmark',
    '-threads',
    '1',
    '-filter_threads',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-s',
    `${g.width}x${g.height}`,
    '-i',
    file,
    '-vf',
    vf,
    '-f',
    'null',
    '-',
  ];
  const r = await runFfmpeg({ bin: ffmpeg, args: args, name: 'ffmpeg', log: log, timeoutMs: null });
  const b = parseBenchmark(r.stderrTail);
  if (!b)
    throw new UprezError('BENCH_OUTPUT_INVALID', `ffmpeg printed no -benchmark line (last lines: ${r.stderrTail.slice(-3).join(' | ')})`);
  return b.rtime * 1000;
}

/** runFallbackBench measures the bicubic fallback beside swscale at 360p->720p and 1080p->2160p. */
export async function runFallbackBench(o: FallbackBenchOptions): Promise<BenchSection> {
  const repeats = o.quick ? 3 : 7;
  const dir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-'));
  const rows = [];
  const kernel = bicubicKernel();
  try {
    for (const c of CASES) {
      const n = o.quick ? c.quickFrames : c.frames;
      const g = frameGeometry(c.w, c.h);
      const out = upscaledGeometry(g, 2);
      const raw = (
        await runFfmpeg({
          bin: o.ffmpeg,
          args: testClipArgs(c.w, c.h, n),
          name: 'ffmpeg',
          log: o.log,
          timeoutMs: null,
          collectStdout: true,
        })
      ).stdout;
      if (raw.length !== n * g.frameSize)
        throw new UprezError('BENCH_NOT_READY', `test clip has ${raw.length} bytes, expected ${n * g.frameSize}`);
      const frames = Array.from({ length: n }, (_, i) => new Uint8Array(raw.buffer, raw.byteOffset + i * g.frameSize, g.frameSize));
      const file = path.join(dir, `${c.w}x${c.h}.yuv`);
      await writeFile(file, raw);
      const dst = new Uint8Array(out.frameSize);
      // Tables built and code warm for both kernels (the JS one is JIT-compiled on first use).
      oursPerFrameMs(frames.slice(0, 3), g, dst);
      useBicubicKernel('js');
      oursPerFrameMs(frames.slice(0, 3), g, dst);
      if (kernel.kind === 'native') useBicubicKernel('native');
      const native: number[] = [];
      const js: number[] = [];
      const sws: number[] = [];
      for (let r = 0; r < repeats; r++) {
        // Side by side: each repeat runs all three, so a noisy neighbour hits them alike.
        if (kernel.kind === 'native') native.push(oursPerFrameMs(frames, g, dst));
        useBicubicKernel('js');
        js.push(oursPerFrameMs(o.quick ? frames.slice(0, 4) : frames.slice(0, 12), g, dst));
        if (kernel.kind === 'native') useBicubicKernel('native');
        const nul = await ffmpegRtime(o.ffmpeg, file, g, 'null', o.log);
        const scaled = await ffmpegRtime(o.ffmpeg, file, g, `scale=${out.width}:${out.height}:flags=bicubic`, o.log);
        sws.push((scaled - nul) / n);
      }
      const swsMs = median(sws);
      const label = `${c.w}x${c.h} -> ${out.width}x${out.height}`;
      if (kernel.kind === 'native') {
        const ms = median(native);
        rows.push(
          row(`${label}, native ${kernel.simd}`, `${fmt(ms, 3)} ms/frame`, `swscale ${fmt(swsMs, 3)} ms/frame`, ms / swsMs, '<= 1.0'),
        );
      }
      const jsMs = median(js);
      rows.push(
        row(
          `${label}, JavaScript kernel (fallback when the addon is absent)`,
          `${fmt(jsMs, 3)} ms/frame`,
          `swscale ${fmt(swsMs, 3)} ms/frame`,
          jsMs / swsMs,
        ),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const notes = [
    `Both sides single-threaded, same raw yuv420p frames (ffmpeg testsrc2 with temporal noise), all three planes, medians of ${repeats} side-by-side repeats.`,
    'ffmpeg time: one process per run reading all frames with -benchmark -threads 1 -filter_threads 1; per-frame cost = (rtime with scale=WxH:flags=bicubic - rtime with -vf null) / frames, so process start, demux and mux are excluded.',
    kernel.kind === 'native' ? `Kernel in use: native (${kernel.simd}).` : `Native kernel not in use: ${kernel.why ?? 'unknown'}.`,
  ];
  return { id: 'fallback', title: 'Fallback cost: bicubic path vs ffmpeg swscale bicubic', rows, notes };
}

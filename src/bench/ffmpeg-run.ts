/**
 * Runs ffmpeg to completion under the project's supervisor (src/ffmpeg/supervised-process.ts),
 * collecting stdout, and reads its `-benchmark` figures.
 */
import type { Writable } from 'node:stream';
import { SupervisedProcess } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import { UprezError } from '../errors.js';

/** FfmpegResult is a finished run: exit code, stdout (when collected) and the last stderr lines. */
export interface FfmpegResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderrTail: readonly string[];
}

/** runFfmpeg runs `bin args` to the end; rejects when it exits non-zero. `input` is written to stdin when given. */
export async function runFfmpeg(
  bin: string,
  args: readonly string[],
  log: Logger,
  opts: { collectStdout?: boolean; input?: (stdin: Writable) => Promise<void> } = {},
): Promise<FfmpegResult> {
  const proc = new SupervisedProcess({
    name: 'bench-ffmpeg',
    bin,
    args,
    log,
    stdin: opts.input ? 'pipe' : 'ignore',
    stdout: opts.collectStdout ? 'pipe' : 'ignore',
  });
  const chunks: Buffer[] = [];
  proc.start();
  proc.stdout?.on('data', (c: Buffer) => chunks.push(c));
  if (opts.input && proc.stdin) {
    await opts.input(proc.stdin);
    proc.stdin.end();
  }
  const exit = await proc.exited;
  if (exit.code !== 0) {
    throw new UprezError('FFMPEG_FAILED', `ffmpeg ${args.join(' ')} exited ${exit.code ?? exit.signal}: ${exit.error ?? exit.stderrTail.slice(-3).join(' | ')}`);
  }
  return { code: exit.code, stdout: Buffer.concat(chunks), stderrTail: exit.stderrTail };
}

/** BenchmarkTimes are ffmpeg's `-benchmark` figures in seconds. */
export interface BenchmarkTimes {
  readonly utime: number;
  readonly stime: number;
  readonly rtime: number;
}

/**
 * parseBenchmark reads `bench: utime=0.124s stime=0.008s rtime=0.178s` from ffmpeg's stderr.
 * ffmpeg starts that clock after opening inputs and outputs, so process start is not in it.
 */
export function parseBenchmark(lines: readonly string[]): BenchmarkTimes | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /bench:\s+utime=([\d.]+)s\s+stime=([\d.]+)s\s+rtime=([\d.]+)s/.exec(lines[i] as string);
    if (m) return { utime: Number(m[1]), stime: Number(m[2]), rtime: Number(m[3]) };
  }
  return null;
}

/** testClipArgs builds ffmpeg arguments for n raw yuv420p frames of a moving test pattern (with grain, so it is not flat) on stdout. */
export function testClipArgs(width: number, height: number, frames: number, fps = 30): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-vf', 'noise=alls=12:allf=t',
    '-frames:v', String(frames),
    '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1',
  ];
}

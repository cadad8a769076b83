import type { Writable } from 'node:stream';
import { UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { SupervisedProcess, type ProcessExit } from './supervised-process.js';

/** RunFfmpegOptions describe one short ffmpeg/ffprobe run (file jobs, evaluation, benchmarks). */
export interface RunFfmpegOptions {
  readonly bin: string;
  readonly args: readonly string[];
  readonly name: string;
  readonly log: Logger;
  /** Killed after this long (default 10 minutes; null: no limit, for benchmark runs sized by their caller). */
  readonly timeoutMs?: number | null;
  /** Aborting kills the child at once. */
  readonly signal?: AbortSignal;
  /** Keep what the child writes to stdout (default: stdout is /dev/null). */
  readonly collectStdout?: boolean;
  /** Writes the child's stdin, which is then ended (default: stdin is /dev/null). */
  readonly input?: (stdin: Writable) => Promise<void>;
}

/** FfmpegRun is a finished run: its exit (stderr tail included) and stdout when collected (else empty). */
export interface FfmpegRun extends ProcessExit {
  readonly stdout: Buffer;
}

/**
 * runFfmpeg runs one ffmpeg to completion under a SupervisedProcess (stderr read and kept, no
 * shell, killed on timeout or abort) and resolves with its exit; rejects with UprezError
 * FFMPEG_FAILED naming the step and the last stderr lines when it does not exit 0.
 */
export async function runFfmpeg(o: RunFfmpegOptions): Promise<FfmpegRun> {
  const proc = new SupervisedProcess({
    name: o.name,
    bin: o.bin,
    args: o.args,
    log: o.log,
    stdin: o.input ? 'pipe' : 'ignore',
    stdout: o.collectStdout ? 'pipe' : 'ignore',
    killTimeoutMs: 2000,
  });
  const kill = (): void => void proc.kill();
  if (o.signal?.aborted) throw new UprezError('JOB_CANCELLED', `${o.name}: cancelled`);
  o.signal?.addEventListener('abort', kill, { once: true });
  const limit = o.timeoutMs === undefined ? 600_000 : o.timeoutMs;
  const timer = limit === null ? null : setTimeout(kill, limit);
  timer?.unref();
  try {
    const chunks: Buffer[] = [];
    proc.start();
    proc.stdout?.on('data', (c: Buffer) => chunks.push(c));
    if (o.input && proc.stdin) {
      await o.input(proc.stdin);
      proc.stdin.end();
    }
    const e = await proc.exited;
    if (o.signal?.aborted) throw new UprezError('JOB_CANCELLED', `${o.name}: cancelled`);
    if (e.code !== 0) {
      throw new UprezError(
        'FFMPEG_FAILED',
        `${o.name} failed (code ${e.code}, signal ${e.signal}): ${e.error ?? e.stderrTail.slice(-3).join(' | ')}`,
      );
    }
    return { ...e, stdout: Buffer.concat(chunks) };
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', kill);
  }
}

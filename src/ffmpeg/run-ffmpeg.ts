import { UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { SupervisedProcess, type ProcessExit } from './supervised-process.js';

/** RunFfmpegOptions describe one short ffmpeg/ffprobe run whose output goes to files. */
export interface RunFfmpegOptions {
  readonly bin: string;
  readonly args: readonly string[];
  readonly name: string;
  readonly log: Logger;
  /** Killed after this long (default 10 minutes). */
  readonly timeoutMs?: number;
  /** Aborting kills the child at once. */
  readonly signal?: AbortSignal;
}

/**
 * runFfmpeg runs one ffmpeg to completion under a SupervisedProcess (stderr read and kept, no
 * shell, killed on timeout or abort) and resolves with its exit; rejects with UprezError
 * FFMPEG_FAILED naming the step and the last stderr lines when it does not exit 0.
 */
export async function runFfmpeg(o: RunFfmpegOptions): Promise<ProcessExit> {
  const proc = new SupervisedProcess({ name: o.name, bin: o.bin, args: o.args, log: o.log, stdin: 'ignore', stdout: 'ignore', killTimeoutMs: 2000 });
  const kill = (): void => void proc.kill();
  if (o.signal?.aborted) throw new UprezError('JOB_CANCELLED', `${o.name}: cancelled`);
  o.signal?.addEventListener('abort', kill, { once: true });
  const timer = setTimeout(kill, o.timeoutMs ?? 600_000);
  timer.unref();
  try {
    proc.start();
    const e = await proc.exited;
    if (o.signal?.aborted) throw new UprezError('JOB_CANCELLED', `${o.name}: cancelled`);
    if (e.code !== 0) {
      throw new UprezError('FFMPEG_FAILED', `${o.name} failed (code ${e.code}, signal ${e.signal}): ${e.error ?? e.stderrTail.slice(-3).join(' | ')}`);
    }
    return e;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', kill);
  }
}

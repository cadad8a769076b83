import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { runFfmpeg } from './run-ffmpeg.js';

// runFfmpeg runs any binary: node stands in for ffmpeg, so these need no ffmpeg.
const node = process.execPath;

describe('runFfmpeg', () => {
  test('collects stdout and feeds stdin when asked', async () => {
    const r = await runFfmpeg({
      bin: node,
      args: ['-e', 'process.stdin.pipe(process.stdout)'],
      name: 'echo',
      log: silentLogger,
      collectStdout: true,
      input: async (stdin) => {
        stdin.write('abc');
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('abc');
  });

  test('a non-zero exit is FFMPEG_FAILED naming the step and the last stderr line', async () => {
    const run = runFfmpeg({ bin: node, args: ['-e', 'console.error("bad input"); process.exit(3)'], name: 'mp4', log: silentLogger });
    await expect(run).rejects.toSatisfy(
      (e: unknown) => e instanceof UprezError && e.code === 'FFMPEG_FAILED' && /^mp4 failed \(code 3.*bad input/.test(e.message),
    );
  });

  test('the time limit kills the child; timeoutMs null sets none', async () => {
    const slow = ['-e', 'setTimeout(() => {}, 30_000)'];
    await expect(runFfmpeg({ bin: node, args: slow, name: 'slow', log: silentLogger, timeoutMs: 50 })).rejects.toMatchObject({
      code: 'FFMPEG_FAILED',
    });
    const r = await runFfmpeg({ bin: node, args: ['-e', 'setTimeout(() => {}, 100)'], name: 'short', log: silentLogger, timeoutMs: null });
    expect(r.code).toBe(0);
  });

  test('an aborted signal is JOB_CANCELLED', async () => {
    const ac = new AbortController();
    const run = runFfmpeg({ bin: node, args: ['-e', 'setTimeout(() => {}, 30_000)'], name: 'job', log: silentLogger, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(run).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
  });
});

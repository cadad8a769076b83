import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, silentLogger, type LogLevel } from '../log/logger.js';
import { SupervisedProcess, liveChildren, type SupervisedProcessOptions } from './supervised-process.js';

// These tests run tiny POSIX programs (sh, cat, sleep) instead of ffmpeg: the supervisor's job is
// the process and pipe lifecycle, which is the same for any child.

const spawned: SupervisedProcess[] = [];
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((p) => p.kill()));
  expect(liveChildren()).toBe(0);
});

function sp(args: string[], opts: Partial<SupervisedProcessOptions> = {}): SupervisedProcess {
  const p = new SupervisedProcess({ name: 'test', bin: args[0] as string, args: args.slice(1), log: silentLogger, ...opts });
  spawned.push(p);
  return p;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

const linux = process.platform === 'linux';

describe('SupervisedProcess', () => {
  test('stop() ends stdin first, so a well-behaved child finishes on its own (no signal)', async () => {
    const p = sp(['cat']);
    p.start();
    expect(p.pid).toBeGreaterThan(0);
    expect(liveChildren()).toBe(1);
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin?.write('hello');
    const e = await p.stop();
    expect(e).toMatchObject({ code: 0, signal: null });
    expect(out).toBe('hello');
    expect(liveChildren()).toBe(0);
    expect(p.hasExited).toBe(true);
  });

  test('stop() is idempotent and escalates to SIGTERM when stdin is not a pipe', async () => {
    const p = sp(['sleep', '30'], { stdin: 'ignore' });
    p.start();
    const a = p.stop();
    const b = p.stop();
    expect(a).toBe(b);
    expect(await a).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  test('stop() falls back to SIGTERM after the grace period when the child ignores EOF', async () => {
    const p = sp(['sleep', '30'], { graceMs: 50 });
    p.start();
    expect((await p.stop()).signal).toBe('SIGTERM');
  });

  test('stop() kills a child that ignores SIGTERM after killTimeoutMs', async () => {
    const p = sp(['sh', '-c', 'trap "" TERM; echo ready; exec sleep 30'], { stdin: 'ignore', killTimeoutMs: 100 });
    p.start();
    await new Promise<void>((r) => p.stdout?.once('data', () => r()));
    const t0 = Date.now();
    expect((await p.stop()).signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('kill() is immediate', async () => {
    const p = sp(['sleep', '30']);
    p.start();
    expect((await p.kill()).signal).toBe('SIGKILL');
  });

  test('keeps the last 50 stderr lines and logs errors at warn', async () => {
    const logged: { line: string; level: LogLevel }[] = [];
    const log = createLogger({ level: 'debug', sink: (line, level) => logged.push({ line, level }) });
    const p = sp(['sh', '-c', 'for i in $(seq 1 60); do echo "line$i" >&2; done; echo "[error] bad thing" >&2; exit 3'], {
      log,
      stdin: 'ignore',
    });
    p.start();
    const e = await p.exited;
    expect(e.code).toBe(3);
    expect(e.stderrTail).toHaveLength(50);
    expect(e.stderrTail.at(-1)).toBe('[error] bad thing');
    expect(e.stderrTail.at(-2)).toBe('line60');
    expect(logged.some((l) => l.level === 'warn' && l.line.includes('[error] bad thing'))).toBe(true);
    expect(logged.some((l) => l.level === 'debug' && l.line.includes('line7'))).toBe(true);
    expect(logged.some((l) => l.level === 'warn' && l.line.includes('exited unexpectedly'))).toBe(true);
  });

  test('writing to a child that has gone reports EPIPE as data, not an uncaught exception', async () => {
    const p = sp(['sh', '-c', 'exec head -c 1 >/dev/null']);
    p.start();
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < 4; i++) p.stdin?.write(big);
    const e = await p.exited;
    expect(e.code).toBe(0);
    expect(e.pipeErrors?.some((s) => s.includes('EPIPE'))).toBe(true);
    expect(() => p.stdin?.write(big)).not.toThrow();
  });

  test('extra pipes appear at fd 3 and can be read', async () => {
    const p = sp(['sh', '-c', 'echo hi >&3'], { extraPipes: 1, stdin: 'ignore', stdout: 'ignore' });
    p.start();
    let got = '';
    p.pipe(3)?.on('data', (d: Buffer) => (got += d.toString()));
    expect(p.pipe(1)).toBeNull();
    await p.exited;
    await new Promise<void>((r) => setTimeout(r, 20));
    expect(got).toBe('hi\n');
  });

  test('a binary that does not exist resolves exited with the reason', async () => {
    const p = sp(['/nonexistent/ffmpeg']);
    p.start();
    const e = await p.exited;
    expect(e.code).toBeNull();
    expect(e.error).toMatch(/ENOENT/);
    expect(liveChildren()).toBe(0);
  });

  test('stop() before start() resolves without spawning, and start() afterwards does nothing', async () => {
    const p = sp(['sleep', '30']);
    expect((await p.stop()).error).toBe('stopped before start');
    p.start();
    expect(p.pid).toBeUndefined();
  });

  test.runIf(linux)('no fd outlives the child: after stop(), and after a natural exit with unread pipes', async () => {
    const before = openFds();
    // A reader that paused its pipe (decoder backpressure) must not keep the fd after stop().
    const a = sp(['sh', '-c', 'echo out; echo out >&3; exec sleep 30'], { extraPipes: 2, graceMs: 50 });
    a.start();
    await new Promise<void>((r) => a.stdout?.once('data', () => r()));
    a.stdout?.pause();
    a.pipe(3)
      ?.on('data', () => {})
      .pause();
    await a.stop();
    const b = sp(['sh', '-c', 'echo out; echo err >&2; echo three >&3'], { extraPipes: 1 });
    b.start();
    await b.exited;
    await new Promise<void>((r) => setTimeout(r, 50));
    expect(openFds()).toBe(before);
  });
});

/**
 * A real `uprez serve` in its own process for benchmarks: the built CLI on free loopback ports
 * (port 0; the ports are read from its "uprez serving" log line), a scratch data dir, UPREZ_*
 * variables removed from its environment so only the given flags configure it. Owned: its stderr
 * tail is kept, stop() sends SIGTERM (the server drains) then SIGKILL, and the child is killed
 * if this process exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UprezError } from '../errors.js';

/** builtCliPath is the CLI beside this module (dist/src/cli/main.js when running from a build), or null. */
export function builtCliPath(): string | null {
  const p = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  return existsSync(p) ? p : null;
}

/** ServeOptions: the CLI's main.js, extra serve flags, its working directory (models/ is found from it). */
export interface ServeOptions {
  readonly cli: string;
  readonly flags: readonly string[];
  readonly cwd?: string;
  /** How long to wait for the server to say it is serving (default 60 s: models load first). */
  readonly startTimeoutMs?: number;
}

/** ServeProcess is a started server. */
export interface ServeProcess {
  readonly rtmpPort: number;
  readonly base: string;
  readonly dataDir: string;
  readonly pid: number;
  /** stderrTail is the server's last stderr lines (warnings and errors), oldest first. */
  stderrTail(): string[];
  /** stop drains and ends the server, removes its data dir, and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** parseServingLine reads the ports from `uprez serving rtmp=rtmp://H:P/live/KEY player=http://H:P/player`. */
export function parseServingLine(line: string): { rtmpPort: number; httpPort: number } | null {
  if (!line.includes('uprez serving')) return null;
  const rtmp = /rtmp=rtmp:\/\/[^\s]*:(\d+)\/live/.exec(line);
  const http = /player=http:\/\/[^\s]*:(\d+)\/player/.exec(line);
  return rtmp && http ? { rtmpPort: Number(rtmp[1]), httpPort: Number(http[1]) } : null;
}

function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('UPREZ_')));
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** startServe starts the server and resolves once it listens; rejects (child killed) on failure or timeout. */
export async function startServe(o: ServeOptions): Promise<ServeProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-serve-'));
  const args = [
    o.cli,
    'serve',
    '--host',
    '127.0.0.1',
    '--rtmp-port',
    '0',
    '--http-port',
    '0',
    '--data-dir',
    dataDir,
    '--log-level',
    'info',
    ...o.flags,
  ];
  const child = spawn(process.execPath, args, {
    cwd: o.cwd ?? process.cwd(),
    env: cleanEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => {
    tail.push(l);
    if (tail.length > 200) tail.shift();
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 25_000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
    }
    process.removeListener('exit', killOnExit);
    await rm(dataDir, { recursive: true, force: true });
    return child.exitCode;
  };
  try {
    const ports = await new Promise<{ rtmpPort: number; httpPort: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new UprezError('BENCH_SERVER_FAILED', `no "uprez serving" line within ${o.startTimeoutMs ?? 60_000} ms`)),
        o.startTimeoutMs ?? 60_000,
      );
      // Every stdout line is read (the pipe never fills); only the first serving line matters.
      createInterface({ input: child.stdout }).on('line', (l) => {
        const p = parseServingLine(l);
        if (p) {
          clearTimeout(timer);
          resolve(p);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new UprezError('BENCH_SERVER_FAILED', `exited ${code ?? sig} before serving`));
      });
    });
    return {
      rtmpPort: ports.rtmpPort,
      base: `http://127.0.0.1:${ports.httpPort}`,
      dataDir,
      pid: child.pid ?? -1,
      stderrTail: () => [...tail],
      stop,
    };
  } catch (err) {
    await stop();
    throw new UprezError(
      'BENCH_SERVER_FAILED',
      `uprez serve (${o.cli}) did not start: ${err instanceof Error ? err.message : String(err)}; stderr: ${tail.slice(-3).join(' | ')}`,
    );
  }
}

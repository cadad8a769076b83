/** Runs test/helpers/scaleout-child.ts as a separate Node process and follows its JSON events. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildSpec } from './scaleout-child.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hooks = pathToFileURL(path.join(repoRoot, 'src', 'image', 'ts-source-hooks.mjs')).href;
const registerHooks = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;

/** ChildEvent is one line the child printed. */
export interface ChildEvent {
  readonly event: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

/** ChildInstance is a running child and what it said. */
export interface ChildInstance {
  readonly process: ChildProcess;
  readonly events: ChildEvent[];
  /** stderr so far (its warnings), for failure messages. */
  stderr(): string;
  /** waitFor resolves with the first event named `name` matching `pred`, or rejects after `ms`. */
  waitFor(name: string, ms: number, pred?: (e: ChildEvent) => boolean): Promise<ChildEvent>;
  /** kill sends `signal` (default SIGKILL) and, for signals that end it, waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** startChild spawns the child with `spec`. */
export function startChild(spec: ChildSpec): ChildInstance {
  const child = spawn(
    process.execPath,
    ['--import', registerHooks, path.join(repoRoot, 'test', 'helpers', 'scaleout-child.ts'), JSON.stringify(spec)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: ChildEvent[] = [];
  let err = '';
  let buf = '';
  child.stdout?.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as ChildEvent);
      } catch {
        err += `(stdout) ${line}\n`;
      }
    }
  });
  child.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-8_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    process: child,
    events,
    stderr: () => err,
    waitFor: async (name, ms, pred = () => true) => {
      const t0 = Date.now();
      for (;;) {
        const e = events.find((x) => x.event === name && pred(x));
        if (e) return e;
        if (Date.now() - t0 > ms || child.exitCode !== null)
          throw new Error(`child never said ${name} in ${ms} ms; said ${events.map((x) => x.event).join(',')}; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
    },
  };
}

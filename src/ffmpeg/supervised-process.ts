import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Duplex, Readable, Writable } from 'node:stream';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from './redact.js';
import { StderrLines, ffmpegLineLevel } from './stderr-lines.js';

/** ProcessExit is how a supervised child ended, with the last lines it wrote to stderr. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last ~50 stderr lines, oldest first. */
  stderrTail: string[];
  /** Why the process never ran (spawn failure such as ENOENT, or stopped before start). */
  error?: string;
  /** Errors seen on its pipes (e.g. EPIPE after a crash), reported here instead of thrown. */
  pipeErrors?: string[];
}

/** SupervisedProcessOptions configure one child. */
export interface SupervisedProcessOptions {
  /** Short name for logs, e.g. "decoder". */
  name: string;
  bin: string;
  args: readonly string[];
  log: Logger;
  /** Number of extra pipes at fds 3, 4, … (read with pipe(3)). Default 0. */
  extraPipes?: number;
  /** stop(): how long after SIGTERM before SIGKILL. Default 3000 ms. */
  killTimeoutMs?: number;
  /** stop(): how long after ending stdin before SIGTERM (only when stdin is a pipe). Default 5000 ms. */
  graceMs?: number;
  /** Whether the child's stdin is a pipe (default) or /dev/null. */
  stdin?: 'pipe' | 'ignore';
  /** Whether the child's stdout is a pipe (default) or /dev/null. */
  stdout?: 'pipe' | 'ignore';
  /** Sees every stderr line as it comes (after logging), e.g. to act on errors ffmpeg survives. */
  onStderrLine?: (line: string) => void;
  /** Applied to the logged command line and to every stderr line before it is logged, kept or passed on. */
  redact?: Redactor;
  /**
   * Extra pipes (fds >= 3) the owner reads to their end (outputs): after the child exits they are
   * left to reach EOF, so nothing it wrote last is lost, and destroyed only if they have not
   * within 2 s.
   */
  readPipes?: readonly number[];
}

const live = new Set<SupervisedProcess>();

/** liveChildren counts supervised processes that were spawned and have not exited yet. */
export function liveChildren(): number {
  return live.size;
}

/** liveProcesses lists the supervised processes still running (name and pid), for diagnostics. */
export function liveProcesses(): { name: string; pid: number | undefined }[] {
  return [...live].map((p) => ({ name: p.name, pid: p.pid }));
}

/** Pipe errors that only mean "the other side is gone", expected whenever a child dies first. */
const BENIGN_PIPE_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * SupervisedProcess owns one child (ffmpeg): spawns it without a shell, logs its stderr line by
 * line (warnings/errors at warn, the rest at debug) keeping the last 50 lines, turns pipe errors
 * into data, and stops it gracefully (end stdin, then SIGTERM, then SIGKILL) or at once (kill()).
 *
 * File descriptors: after the child exits, stdin is destroyed at once, pipes nobody listens to are
 * drained by node, pipes being read close at EOF, and stop()/kill() destroy whatever is left (a
 * pipe its reader paused keeps its data until then).
 * Restarting is the caller's policy: create a new SupervisedProcess.
 */
export class SupervisedProcess {
  /** Resolves once the child has exited and its stderr is fully read (never rejects). */
  readonly exited: Promise<ProcessExit>;
  private resolveExited!: (e: ProcessExit) => void;
  private child: ChildProcess | null = null;
  private state: 'new' | 'running' | 'exited' = 'new';
  private gone!: Promise<void>;
  private resolveGone!: () => void;
  private stopping: Promise<ProcessExit> | null = null;
  private finished = false;
  private readonly lines = new StderrLines(50);
  private readonly pipeErrors: string[] = [];
  private readonly log: Logger;

  constructor(private readonly opts: SupervisedProcessOptions) {
    this.log = opts.log;
    this.exited = new Promise((r) => (this.resolveExited = r));
    this.gone = new Promise((r) => (this.resolveGone = r));
  }

  /** name is the label given at construction. */
  get name(): string {
    return this.opts.name;
  }

  /** pid of the child while it runs (undefined before start or when spawning failed). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** hasExited says whether the child has ended (or never ran). */
  get hasExited(): boolean {
    return this.state === 'exited';
  }

  /** stdin is the child's fd 0 when it is a pipe. */
  get stdin(): Writable | null {
    return this.child?.stdin ?? null;
  }

  /** stdout is the child's fd 1 when it is a pipe. */
  get stdout(): Readable | null {
    return this.child?.stdout ?? null;
  }

  /** pipe returns the extra pipe at `fd` (3, 4, …), a duplex socket, or null. */
  pipe(fd: number): Duplex | null {
    if (fd < 3) return null;
    const s = this.child?.stdio[fd];
    return (s as Duplex | null | undefined) ?? null;
  }

  /** start spawns the child; calling it twice, or after stop()/kill(), does nothing. */
  start(): void {
    if (this.state !== 'new' || this.stopping) return;
    this.state = 'running';
    const extra = this.opts.extraPipes ?? 0;
    const stdio: StdioOptions = [this.opts.stdin ?? 'pipe', this.opts.stdout ?? 'pipe', 'pipe', ...Array<'pipe'>(extra).fill('pipe')];
    let child: ChildProcess;
    try {
      child = spawn(this.opts.bin, [...this.opts.args], { stdio, shell: false, windowsHide: true });
    } catch (err) {
      this.finish(null, null, `spawn failed: ${errorMessage(err)}`);
      return;
    }
    this.child = child;
    child.on('error', (err) => {
      if (child.pid === undefined) {
        this.destroyPipes();
        this.finish(null, null, `spawn ${this.opts.bin} failed: ${errorMessage(err)}`);
      } else this.log.warn(`${this.name}: process error`, { err: errorMessage(err) });
    });
    if (child.pid !== undefined) live.add(this);
    for (let fd = 0; fd < child.stdio.length; fd++) {
      if (fd === 2) continue;
      child.stdio[fd]?.on('error', (err: NodeJS.ErrnoException) => this.onPipeError(fd, err));
    }
    if (this.opts.redact) this.lines.redact = this.opts.redact;
    child.stderr?.on('data', (chunk: Buffer) => this.logLines(this.lines.push(chunk)));
    child.on('exit', (code, signal) => void this.onExit(code, signal));
    this.log.info(`${this.name}: started`, { pid: child.pid, bin: this.opts.bin });
    const shown = this.opts.args.join(' ');
    this.log.debug(`${this.name}: args`, { args: this.opts.redact ? this.opts.redact(shown) : shown });
  }

  /**
   * stop ends the child gracefully: ends stdin and every extra pipe (ffmpeg then finishes and
   * writes trailers) and waits graceMs; then SIGTERM, then SIGKILL after killTimeoutMs. Without a
   * stdin pipe it starts at SIGTERM. Idempotent; resolves with the exit, all fds closed.
   */
  stop(): Promise<ProcessExit> {
    if (!this.stopping) this.stopping = this.runStop();
    return this.stopping;
  }

  /** kill sends SIGKILL at once (also escalates a stop() in progress) and resolves with the exit. */
  async kill(): Promise<ProcessExit> {
    if (this.state === 'new') return this.stop();
    this.signal('SIGKILL');
    const e = await this.exited;
    this.destroyPipes();
    return e;
  }

  private async runStop(): Promise<ProcessExit> {
    if (this.state === 'new') {
      this.state = 'exited';
      this.finish(null, null, 'stopped before start');
      return this.exited;
    }
    if (this.state === 'running') {
      const child = this.child;
      const stdinIsPipe = !!child?.stdin;
      for (let fd = 0; fd < (child?.stdio.length ?? 0); fd++) {
        const s = child?.stdio[fd];
        if (fd === 1 || fd === 2 || !s || !('end' in s) || s.destroyed) continue;
        s.end();
      }
      const graceful = stdinIsPipe && (await this.waitGone(this.opts.graceMs ?? 5000));
      if (!graceful) {
        this.signal('SIGTERM');
        if (!(await this.waitGone(this.opts.killTimeoutMs ?? 3000))) {
          this.log.warn(`${this.name}: did not exit after SIGTERM, killing`, { pid: this.pid });
          this.signal('SIGKILL');
        }
      }
    }
    const e = await this.exited;
    this.destroyPipes();
    return e;
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.state !== 'running' || !this.child) return;
    try {
      this.child.kill(sig);
    } catch (err) {
      this.log.debug(`${this.name}: kill(${sig}) failed`, { err: errorMessage(err) });
    }
  }

  private waitGone(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.gone.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async onExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.finished) return;
    const child = this.child;
    this.state = 'exited';
    live.delete(this);
    this.resolveGone();
    // Nothing more can be written to stdin. (Pipes nobody listens to are drained and closed by
    // node itself on exit; pipes being read close at EOF; paused ones wait for their reader.)
    child?.stdin?.destroy();
    // Wait for stderr to be read to the end so the tail is complete (bounded: a grandchild could hold it).
    const stderr = child?.stderr;
    if (stderr && !stderr.destroyed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          stderr.destroy();
          resolve();
        }, 1000);
        stderr.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.logLines(this.lines.end());
    const fields = { pid: child?.pid, code, signal };
    if (code === 0 || this.stopping) this.log.info(`${this.name}: exited`, fields);
    else this.log.warn(`${this.name}: exited unexpectedly`, { ...fields, stderr: this.lines.tail().slice(-3).join(' | ') });
    this.finish(code, signal);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.state = 'exited';
    live.delete(this);
    this.resolveGone();
    if (error) this.log.warn(`${this.name}: ${error}`);
    const e: ProcessExit = { code, signal, stderrTail: this.lines.tail() };
    if (error) e.error = error;
    if (this.pipeErrors.length) e.pipeErrors = [...this.pipeErrors];
    this.resolveExited(e);
  }

  private onPipeError(fd: number, err: NodeJS.ErrnoException): void {
    const what = `fd ${fd}: ${err.code ?? errorMessage(err)}`;
    if (this.pipeErrors.length < 10) this.pipeErrors.push(what);
    if (BENIGN_PIPE_ERRORS.has(err.code ?? '')) this.log.debug(`${this.name}: pipe closed by the child`, { fd, code: err.code });
    else this.log.warn(`${this.name}: pipe error`, { fd, err: errorMessage(err) });
  }

  private logLines(lines: string[]): void {
    for (const line of lines) {
      if (ffmpegLineLevel(line) === 'warn') this.log.warn(`${this.name}: ${line}`);
      else this.log.debug(`${this.name}: ${line}`);
      this.opts.onStderrLine?.(line);
    }
  }

  private destroyPipes(): void {
    const keep = this.opts.readPipes ?? [];
    (this.child?.stdio ?? []).forEach((s, fd) => {
      if (!s) return;
      if (!keep.includes(fd) || s.destroyed || (s as { readableEnded?: boolean }).readableEnded) {
        s.destroy();
        return;
      }
      const t = setTimeout(() => s.destroy(), 2000);
      t.unref();
      s.once('close', () => clearTimeout(t));
    });
  }
}

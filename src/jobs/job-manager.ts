import { randomBytes } from 'node:crypto';
import { UprezError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isFinished, type JobProgress, type JobRecord } from './job-record.js';
import type { JobSpec, JobType } from './job-spec.js';
import type { JobStore } from './job-store.js';

/** JobContext is what an executor gets for one run of a job. */
export interface JobContext {
  /** Aborted on DELETE (cancel) or server shutdown (the job is then resumed at the next start). */
  readonly signal: AbortSignal;
  /** Absolute output directory of this job, inside the data dir. */
  readonly outDir: string;
  readonly log: Logger;
  progress(p: JobProgress): void;
}

/** JobExecutor runs one kind of job. */
export interface JobExecutor<S extends JobSpec = JobSpec> {
  /** prepare checks what the spec names (the input file inside the jobs input directory…) before the job is accepted. */
  prepare(spec: S): Promise<S>;
  /** run does the job; resolves with its result, rejects with an UprezError. */
  run(spec: S, ctx: JobContext): Promise<Record<string, unknown>>;
}

/** JobExecutors maps each job type to its executor. */
export type JobExecutors = { readonly [T in JobType]: JobExecutor<Extract<JobSpec, { type: T }>> };

/** JobManagerOptions configure the in-process job queue. */
export interface JobManagerOptions {
  readonly store: JobStore;
  readonly executors: JobExecutors;
  /** Jobs running at once. Default 1. */
  readonly concurrency?: number;
  readonly log: Logger;
}

interface Running {
  readonly abort: AbortController;
  readonly done: Promise<void>;
  /** Why it was aborted: a DELETE (cancel) or the server going down (resume later). */
  why: 'cancel' | 'shutdown' | null;
}

/** Progress is written to disk at most this often (it is kept in memory for every GET). */
const PROGRESS_SAVE_MS = 2_000;

/**
 * JobManager runs file and restream jobs in-process, `concurrency` at a time, oldest first. Every
 * change is persisted through the store, so a restarted server lists every job and puts the
 * queued and running ones back in the queue (file jobs then resume from their last segment).
 */
export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Running>();
  private readonly lastSaved = new Map<string, number>();
  private writes: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly log: Logger;

  constructor(private readonly opts: JobManagerOptions) {
    this.log = opts.log.child({ stage: 'jobs' });
  }

  /** start loads the stored jobs and queues those that were queued or running. */
  async start(): Promise<void> {
    for (const rec of await this.opts.store.load()) {
      if (rec.state === 'running' || rec.state === 'queued') {
        this.put({ ...rec, state: 'queued' });
        this.queue.push(rec.id);
      } else this.jobs.set(rec.id, rec);
    }
    if (this.queue.length) this.log.info('jobs resumed after a restart', { queued: this.queue.length });
    this.pump();
  }

  /** create validates and queues a job; rejects with JOB_INVALID (or what prepare says) before anything is stored. */
  async create(spec: JobSpec): Promise<JobRecord> {
    if (this.closing) throw new UprezError('JOBS_CLOSING', 'the server is shutting down');
    const prepared = await this.prepare(spec);
    const rec: JobRecord = {
      id: randomBytes(8).toString('hex'),
      spec: prepared,
      state: 'queued',
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      attempts: 0,
      progress: null,
      error: null,
      result: null,
    };
    this.put(rec);
    await this.writes;
    this.queue.push(rec.id);
    this.log.info('job queued', { id: rec.id, type: rec.spec.type });
    this.pump();
    return this.jobs.get(rec.id) as JobRecord;
  }

  /** list returns every job, newest first. */
  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** get returns one job. */
  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /**
   * cancel stops a job: a queued one at once, a running one by aborting it (its ffmpeg children
   * are killed) and waiting until it has stopped. A finished job is returned unchanged.
   */
  async cancel(id: string): Promise<JobRecord | undefined> {
    const rec = this.jobs.get(id);
    if (!rec || isFinished(rec.state)) return rec;
    const run = this.running.get(id);
    if (run) {
      run.why = 'cancel';
      run.abort.abort();
      await run.done;
    } else {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.put({ ...rec, state: 'cancelled', endedAt: new Date().toISOString() });
    }
    await this.writes;
    return this.jobs.get(id);
  }

  /** close stops taking jobs and aborts the running ones, which stay queued (on disk) for the next start. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const r of this.running.values()) {
      r.why = 'shutdown';
      r.abort.abort();
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
    await this.writes;
  }

  private async prepare(spec: JobSpec): Promise<JobSpec> {
    if (spec.type === 'file') return this.opts.executors.file.prepare(spec);
    return this.opts.executors.restream.prepare(spec);
  }

  private pump(): void {
    const limit = Math.max(1, this.opts.concurrency ?? 1);
    while (!this.closing && this.running.size < limit && this.queue.length) {
      const id = this.queue.shift() as string;
      const rec = this.jobs.get(id);
      if (rec && rec.state === 'queued') this.launch(rec);
    }
  }

  private launch(rec: JobRecord): void {
    const abort = new AbortController();
    const started: JobRecord = { ...rec, state: 'running', startedAt: new Date().toISOString(), attempts: rec.attempts + 1, error: null };
    this.put(started);
    this.log.info(rec.attempts > 0 ? 'job resumed' : 'job started', { id: rec.id, type: rec.spec.type, attempt: started.attempts });
    const entry: Running = { abort, why: null, done: Promise.resolve() };
    const ctx: JobContext = {
      signal: abort.signal,
      outDir: this.opts.store.outDir(rec.id),
      log: this.log.child({ job: rec.id }),
      progress: (p) => this.onProgress(rec.id, p),
    };
    (entry as { done: Promise<void> }).done = this.execute(started, ctx).then((outcome) => {
      this.running.delete(rec.id);
      const cur = this.jobs.get(rec.id) ?? started;
      const endedAt = new Date().toISOString();
      if (entry.why === 'shutdown') {
        this.put({ ...cur, state: 'queued' });
      } else if (entry.why === 'cancel') {
        this.put({ ...cur, state: 'cancelled', endedAt });
      } else if (outcome.ok) {
        this.put({ ...cur, state: 'done', endedAt, result: outcome.result });
      } else {
        this.put({ ...cur, state: 'failed', endedAt, error: outcome.error });
      }
      this.log.info('job ended', { id: rec.id, state: this.jobs.get(rec.id)?.state });
      this.pump();
    });
    this.running.set(rec.id, entry);
  }

  private async execute(
    rec: JobRecord,
    ctx: JobContext,
  ): Promise<{ ok: true; result: Record<string, unknown> } | { ok: false; error: { code: string; message: string } }> {
    try {
      const result =
        rec.spec.type === 'file'
          ? await this.opts.executors.file.run(rec.spec, ctx)
          : await this.opts.executors.restream.run(rec.spec, ctx);
      return { ok: true, result };
    } catch (err) {
      const code = err instanceof UprezError ? err.code : 'JOB_FAILED';
      if (code !== 'JOB_CANCELLED') ctx.log.warn('job failed', { code, err: errorMessage(err) });
      return { ok: false, error: { code, message: errorMessage(err) } };
    }
  }

  private onProgress(id: string, p: JobProgress): void {
    const cur = this.jobs.get(id);
    if (!cur || cur.state !== 'running') return;
    const now = Date.now();
    const persist = now - (this.lastSaved.get(id) ?? 0) >= PROGRESS_SAVE_MS;
    this.put({ ...cur, progress: p }, persist);
  }

  /** put keeps a record in memory and (unless told not to) queues its write, in order. */
  private put(rec: JobRecord, persist = true): void {
    this.jobs.set(rec.id, rec);
    if (!persist) return;
    this.lastSaved.set(rec.id, Date.now());
    this.writes = this.writes
      .then(() => this.opts.store.save(rec))
      .catch((err: unknown) => this.log.error('could not save a job', { id: rec.id, err: errorMessage(err) }));
  }
}

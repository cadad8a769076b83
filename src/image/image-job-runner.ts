import { Worker } from 'node:worker_threads';
import { UprezError, errorMessage, isErrorCode } from '../errors.js';
import type { FromImageWorker, ToImageWorker } from './image-worker-protocol.js';
import { errorData, ownBuffer } from './image-worker-main.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import { upscaleImageFile, type ImageJobRequest, type ImageJobResult } from './upscale-image-file.js';

/** ProgressListener hears how many of an image's tiles are done. */
export type ProgressListener = (done: number, total: number) => void;

/** ImageJobRunner runs image jobs (see upscale-image-file.ts); rejections are UprezError. */
export interface ImageJobRunner {
  /** Threads the jobs run on (0: the caller's own). */
  readonly threads: number;
  /** run upscales one image; `luma` is called on the caller's thread, wherever the job runs. */
  run(req: ImageJobRequest, luma: LumaUpscaler, onProgress?: ProgressListener): Promise<ImageJobResult>;
  /** close ends the threads; idempotent. */
  close(): Promise<void>;
}

/** inlineJobRunner runs jobs on the calling thread (one image at a time makes no use of a second core). */
export function inlineJobRunner(): ImageJobRunner {
  return { threads: 0, run: upscaleImageFile, close: async () => {} };
}

const WORKER_ENTRY = new URL('./image-worker.mjs', import.meta.url);

interface Job {
  readonly luma: LumaUpscaler;
  readonly onProgress: ProgressListener | undefined;
  readonly resolve: (r: ImageJobResult) => void;
  readonly reject: (err: UprezError) => void;
}

interface Slot {
  worker: Worker | null;
  readonly jobs: Map<number, Job>;
}

/**
 * WorkerJobRunner runs jobs on `threads` worker threads, each to the least busy one, and answers
 * their luma requests with the caller's model. A worker that dies fails only the jobs it held
 * (IMAGE_WORKER_FAILED, not fatal: the batch goes on) and is replaced on the next job.
 */
class WorkerJobRunner implements ImageJobRunner {
  private readonly slots: Slot[];
  private nextId = 1;
  private closing: Promise<void> | null = null;

  constructor(
    readonly threads: number,
    private readonly entry: URL,
  ) {
    this.slots = Array.from({ length: threads }, () => ({ worker: null, jobs: new Map() }));
  }

  run(req: ImageJobRequest, luma: LumaUpscaler, onProgress?: ProgressListener): Promise<ImageJobResult> {
    if (this.closing) return Promise.reject(new UprezError('IMAGE_WORKER_FAILED', 'image workers are closed'));
    const slot = this.slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const worker = slot.worker ?? this.spawn(slot);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.jobs.set(id, { luma, onProgress, resolve, reject });
      const msg: ToImageWorker = { type: 'job', id, req };
      worker.postMessage(msg);
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const workers = this.slots.map((s) => s.worker).filter((w): w is Worker => w !== null);
      for (const s of this.slots) s.worker = null;
      await Promise.all(workers.map((w) => w.terminate()));
    })();
    return this.closing;
  }

  private answerLuma(worker: Worker, job: Job, m: Extract<FromImageWorker, { type: 'luma' }>): void {
    const reply = (msg: ToImageWorker, transfer: ArrayBuffer[] = []): void => {
      // The worker may have died meanwhile; its jobs are already failed.
      if (worker.threadId !== -1) worker.postMessage(msg, transfer);
    };
    job.luma.upscaleLuma(m.y, m.width, m.height).then(
      (r) => {
        const y = ownBuffer(r.y);
        reply({ type: 'luma-reply', call: m.call, ok: true, y, ...(r.inferMs !== undefined ? { inferMs: r.inferMs } : {}) }, [
          y.buffer as ArrayBuffer,
        ]);
      },
      (err: unknown) => reply({ type: 'luma-reply', call: m.call, ok: false, error: errorData(err) }),
    );
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.entry);
    slot.worker = worker;
    const fail = (why: string): void => {
      if (slot.worker === worker) slot.worker = null;
      for (const j of slot.jobs.values()) j.reject(new UprezError('IMAGE_WORKER_FAILED', `image worker stopped: ${why}`));
      slot.jobs.clear();
    };
    worker.on('message', (m: FromImageWorker) => {
      const job = slot.jobs.get(m.id);
      if (!job) return;
      if (m.type === 'luma') this.answerLuma(worker, job, m);
      else if (m.type === 'progress') job.onProgress?.(m.done, m.total);
      else {
        slot.jobs.delete(m.id);
        if (m.ok) job.resolve(m.result);
        else job.reject(new UprezError(isErrorCode(m.error.code) ? m.error.code : 'IMAGE_INTERNAL', m.error.message));
      }
    });
    worker.on('error', (err) => fail(errorMessage(err)));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return worker;
  }
}

/** workerJobRunner runs jobs on `threads` image worker threads (started on first use). */
export function workerJobRunner(threads: number, entry: URL = WORKER_ENTRY): ImageJobRunner {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`image worker threads must be a positive integer, got ${threads}`);
  return new WorkerJobRunner(threads, entry);
}

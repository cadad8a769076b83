import { Worker } from 'node:worker_threads';
import { UprezError, errorMessage, isErrorCode } from '../errors.js';
import { finishImage, prepareImage, type FinishedImage, type FinishRequest, type PreparedImage } from './image-job.js';
import type { ImageWorkerReply, ImageWorkerRequest } from './image-worker-protocol.js';
import { ownBuffer } from './image-worker-main.js';

/** ImageJobRunner runs the CPU-heavy halves of an image job (see image-job.ts); rejections are UprezError. */
export interface ImageJobRunner {
  /** Threads the jobs run on (0: the caller's own). */
  readonly threads: number;
  prepare(input: string): Promise<PreparedImage>;
  finish(req: FinishRequest): Promise<FinishedImage>;
  /** close ends the threads; idempotent. */
  close(): Promise<void>;
}

/** inlineJobRunner runs jobs on the calling thread (one image at a time makes no use of a second core). */
export function inlineJobRunner(): ImageJobRunner {
  return { threads: 0, prepare: prepareImage, finish: finishImage, close: async () => {} };
}

const WORKER_ENTRY = new URL('./image-worker.mjs', import.meta.url);

interface Pending {
  readonly resolve: (reply: ImageWorkerReply) => void;
  readonly reject: (err: UprezError) => void;
}

interface Slot {
  worker: Worker | null;
  readonly inflight: Map<number, Pending>;
}

/**
 * WorkerJobRunner runs jobs on `size` worker threads, each to the least busy one. A worker that dies
 * fails only the jobs it held (IMAGE_WORKER_FAILED, not fatal: the batch goes on) and is replaced
 * on the next job.
 */
class WorkerJobRunner implements ImageJobRunner {
  private readonly slots: Slot[];
  private nextId = 1;
  private closing: Promise<void> | null = null;

  constructor(
    readonly threads: number,
    private readonly entry: URL,
  ) {
    this.slots = Array.from({ length: threads }, () => ({ worker: null, inflight: new Map() }));
  }

  async prepare(input: string): Promise<PreparedImage> {
    const reply = await this.send({ id: this.nextId++, op: 'prepare', input }, []);
    if (!reply.ok || reply.op !== 'prepare') throw this.unexpected(reply);
    return reply.result;
  }

  async finish(req: FinishRequest): Promise<FinishedImage> {
    const planes = { yUp: ownBuffer(req.yUp), cb: ownBuffer(req.cb), cr: ownBuffer(req.cr) };
    const transfer = [planes.yUp.buffer, planes.cb.buffer, planes.cr.buffer] as ArrayBuffer[];
    const reply = await this.send({ id: this.nextId++, op: 'finish', req: { ...req, ...planes } }, transfer);
    if (!reply.ok || reply.op !== 'finish') throw this.unexpected(reply);
    return reply.result;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const workers = this.slots.map((s) => s.worker).filter((w): w is Worker => w !== null);
      for (const s of this.slots) s.worker = null;
      await Promise.all(workers.map((w) => w.terminate()));
    })();
    return this.closing;
  }

  private unexpected(reply: ImageWorkerReply): UprezError {
    if (!reply.ok) return new UprezError(isErrorCode(reply.error.code) ? reply.error.code : 'IMAGE_INTERNAL', reply.error.message);
    return new UprezError('IMAGE_INTERNAL', `image worker answered ${reply.op} to another request`);
  }

  private send(msg: ImageWorkerRequest, transfer: ArrayBuffer[]): Promise<ImageWorkerReply> {
    if (this.closing) return Promise.reject(new UprezError('IMAGE_WORKER_FAILED', 'image workers are closed'));
    const slot = this.slots.reduce((a, b) => (b.inflight.size < a.inflight.size ? b : a));
    const worker = slot.worker ?? this.spawn(slot);
    return new Promise((resolve, reject) => {
      slot.inflight.set(msg.id, { resolve, reject });
      worker.postMessage(msg, transfer);
    });
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.entry);
    slot.worker = worker;
    const fail = (why: string): void => {
      if (slot.worker === worker) slot.worker = null;
      for (const p of slot.inflight.values()) p.reject(new UprezError('IMAGE_WORKER_FAILED', `image worker stopped: ${why}`));
      slot.inflight.clear();
    };
    worker.on('message', (reply: ImageWorkerReply) => {
      const p = slot.inflight.get(reply.id);
      slot.inflight.delete(reply.id);
      p?.resolve(reply);
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

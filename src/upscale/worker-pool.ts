/**
 * InferencePool: N inference workers (one session each), least-busy dispatch, transfer lists,
 * and crash handling: a worker that dies rejects its in-flight requests (non-fatal, so the stage
 * falls back) and is replaced, with backoff when it keeps dying.
 */
import { Worker } from 'node:worker_threads';
import { UprezError, errorMessage } from '../errors.js';
import { workerRestarts, type RestartPolicy } from '../lifecycle/restart-policy.js';
import type { Logger } from '../log/logger.js';
import type { FromWorker, RunResult, ToWorker, WorkerInit, WorkerReady } from './inference-protocol.js';

/** PoolOptions: the worker entry (the real one, or a test double speaking the same protocol) and its init. */
export interface PoolOptions<I = WorkerInit> {
  readonly entry: URL;
  /** The worker's workerData (the onnxruntime worker's WorkerInit, or another worker's own). */
  readonly init: I;
  readonly size: number;
  readonly log: Logger;
  /** When a crashed worker comes back (default workerRestarts(): at once 3 times a minute, then 1 s doubling to 30 s). */
  readonly restarts?: RestartPolicy;
  /** How long close() waits for a worker to end on its own before terminating it. */
  readonly closeGraceMs?: number;
}

interface Pending {
  readonly resolve: (r: RunResult) => void;
  readonly reject: (e: UprezError) => void;
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  ready: boolean;
  readonly inflight: Map<number, Pending>;
}

/** RunExtras: rectangles for workers that produce parts of a frame (the native worker). */
export interface RunExtras {
  readonly rects?: Int32Array;
  readonly residual?: boolean;
}

/** InferencePool runs requests on worker threads; start() resolves once every worker has loaded the model. */
export class InferencePool<I = WorkerInit> {
  private readonly slots: Slot[];
  private nextId = 1;
  private cursor = 0;
  private closing: Promise<void> | null = null;
  private readonly restarts: RestartPolicy;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly live = new Set<Worker>();
  private readonly log: Logger;

  // NoInfer: callers that do not name I get WorkerInit (and its checks), as before.
  constructor(private readonly opts: PoolOptions<NoInfer<I>>) {
    this.slots = Array.from({ length: opts.size }, (_, index) => ({ index, worker: null, ready: false, inflight: new Map() }));
    this.log = opts.log;
    this.restarts = opts.restarts ?? workerRestarts();
  }

  /** start spawns every worker; rejects with the first load failure (and closes the others). */
  async start(): Promise<WorkerReady> {
    try {
      const readies = await Promise.all(this.slots.map((s) => this.spawn(s)));
      return readies[0] as WorkerReady;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** size is the number of worker slots. */
  get size(): number {
    return this.slots.length;
  }

  /** liveWorkers counts worker threads that have not exited yet (by their 'exit' events). */
  get liveWorkers(): number {
    return this.live.size;
  }

  /** pending is the number of requests in flight across all workers. */
  get pending(): number {
    return this.slots.reduce((n, s) => n + s.inflight.size, 0);
  }

  /** spawn starts a worker in `slot` and resolves with its ready message, or rejects with why it failed. */
  private spawn(slot: Slot): Promise<WorkerReady> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.opts.entry, { workerData: this.opts.init, name: `uprez-inference-${slot.index}` });
      slot.worker = worker;
      this.live.add(worker);
      let settled = false;
      let loaded = false;
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            slot.ready = true;
            loaded = true;
            settled = true;
            resolve(msg);
            break;
          case 'failed':
            settled = true;
            reject(new UprezError('MODEL_LOAD_FAILED', msg.message));
            slot.worker = null;
            void worker.terminate();
            break;
          case 'result':
          case 'error': {
            const p = slot.inflight.get(msg.id);
            if (!p) break;
            slot.inflight.delete(msg.id);
            if (msg.type === 'result') p.resolve(msg);
            else p.reject(new UprezError('MODEL_RUN_FAILED', `inference failed: ${msg.message}`));
            break;
          }
        }
      });
      worker.on('error', (err) => {
        this.log.error('inference worker error', { worker: slot.index, err: errorMessage(err) });
        if (!settled) {
          settled = true;
          reject(new UprezError('MODEL_LOAD_FAILED', `inference worker failed to start: ${errorMessage(err)}`, { cause: err }));
        }
      });
      worker.on('exit', (code) => {
        this.live.delete(worker);
        if (slot.worker !== worker) return;
        slot.worker = null;
        slot.ready = false;
        const dead = new UprezError('MODEL_WORKER_DIED', `inference worker ${slot.index} exited (code ${code}) with the request in flight`);
        for (const p of slot.inflight.values()) p.reject(dead);
        slot.inflight.clear();
        if (!loaded) {
          // A load failure is the caller's to handle (start() fails, or replace() retries).
          if (!settled) reject(new UprezError('MODEL_LOAD_FAILED', `inference worker exited (code ${code}) while loading the model`));
          settled = true;
          return;
        }
        if (!this.closing) this.replace(slot, code);
      });
    });
  }

  /** replace respawns a crashed worker, with backoff when crashes repeat. */
  private replace(slot: Slot, code: number): void {
    const decision = this.restarts.next();
    // Workers are never given up on: the stage serves bicubic meanwhile (model_error, model_unavailable).
    const delay = decision.restart ? decision.delayMs : 30_000;
    this.log.warn('inference worker died, replacing it', {
      worker: slot.index,
      code,
      delayMs: delay,
      crashesLastMinute: this.restarts.recent,
    });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closing) return;
      this.spawn(slot).then(
        () => this.log.info('inference worker replaced', { worker: slot.index }),
        (err: unknown) => {
          this.log.error('inference worker could not be replaced', { worker: slot.index, err: errorMessage(err) });
          if (!this.closing) this.replace(slot, -1);
        },
      );
    }, delay);
    this.timers.add(timer);
  }

  /** pick returns the ready worker with the fewest requests in flight (round-robin among equals). */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    const n = this.slots.length;
    for (let k = 0; k < n; k++) {
      const s = this.slots[(this.cursor + k) % n] as Slot;
      if (s.ready && (!best || s.inflight.size < best.inflight.size)) best = s;
    }
    if (best) this.cursor = (best.index + 1) % n;
    return best;
  }

  /**
   * warmUp runs every worker `runs` times on a textured width x height plane (some texture rather than a
   * flat plane, in case a model's cost depends on content) and returns each run's time in ms.
   */
  async warmUp(width: number, height: number, runs: number): Promise<number[]> {
    const plane = new Uint8Array(width * height);
    for (let i = 0; i < plane.length; i++) plane[i] = (i * 37 + ((i / width) | 0) * 11) & 255;
    const times: number[] = [];
    for (let w = 0; w < this.size; w++) {
      for (let k = 0; k < runs; k++) {
        const t0 = performance.now();
        await this.run(plane, width, height, w);
        times.push(performance.now() - t0);
      }
    }
    return times;
  }

  /**
   * run sends one luma plane to a worker. Copies of a frame's Y on the model path: one here (the
   * frame buffer stays with the stage for the bicubic fallback, so it is copied into a fresh
   * buffer that is then transferred, not cloned); none into the worker (the tensor wraps it);
   * one inside onnxruntime-node, which copies the output into a new ArrayBuffer; none back (transferred).
   */
  run(y: Uint8Array, width: number, height: number, slotIndex?: number, extras?: RunExtras): Promise<RunResult> {
    if (this.closing) return Promise.reject(new UprezError('MODEL_CLOSED', 'the model runner is closed'));
    const slot = slotIndex === undefined ? this.pick() : this.slots[slotIndex];
    if (!slot?.ready || !slot.worker) {
      return Promise.reject(new UprezError('MODEL_UNAVAILABLE', 'no inference worker is running (one is being replaced)'));
    }
    const copy = new Uint8Array(width * height);
    copy.set(y.subarray(0, width * height));
    const id = this.nextId++;
    const worker = slot.worker;
    const rects = extras?.rects ? Int32Array.from(extras.rects) : null;
    return new Promise<RunResult>((resolve, reject) => {
      slot.inflight.set(id, { resolve, reject });
      const sentAt = performance.timeOrigin + performance.now();
      const msg: ToWorker = {
        type: 'run',
        id,
        width,
        height,
        y: copy.buffer,
        sentAt,
        ...(rects ? { rects: rects.buffer, residual: extras?.residual === true } : {}),
      };
      worker.postMessage(msg, rects ? [copy.buffer, rects.buffer] : [copy.buffer]);
    });
  }

  /** close ends every worker (asking first, then terminating) and rejects what is in flight; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new UprezError('MODEL_CLOSED', 'the model runner closed with the request in flight');
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        slot.ready = false;
        for (const p of slot.inflight.values()) p.reject(closed);
        slot.inflight.clear();
        if (!worker) return;
        const exited = new Promise<void>((r) => worker.once('exit', () => r()));
        const msg: ToWorker = { type: 'close' };
        worker.postMessage(msg);
        const grace = new Promise<'timeout'>((r) => {
          const t = setTimeout(() => r('timeout'), this.opts.closeGraceMs ?? 2_000);
          t.unref();
        });
        if ((await Promise.race([exited, grace])) === 'timeout') await worker.terminate();
        slot.worker = null;
      }),
    );
    // Workers that failed to load were terminated without waiting; wait for them here, so that
    // once close() resolves no thread of ours is left.
    await Promise.all([...this.live].map((w) => w.terminate()));
  }
}

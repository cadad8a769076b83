/**
 * NativeRunner: the ModelRunner for models the native SR kernel recognises (native/sr/, loaded
 * in worker threads as onnxruntime is), plus region inference for per-tile scheduling: any
 * rectangles of a frame, each equal to the whole-frame output inside it (the kernel reads the
 * halo it needs from the full plane), optionally with its residual over the model's bicubic.
 */
import { UprezError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { WorkerReady } from './inference-protocol.js';
import {
  checkRects,
  packRects,
  splitOutputs,
  type LumaRect,
  type RegionOptions,
  type RegionRunner,
  type RegionsResult,
} from './luma-regions.js';
import type { LumaResult, ModelRunner, ModelRunnerInfo } from './model-runner.js';
import type { ResolvedModel } from './model-registry.js';
import type { NativeWorkerInit } from './native/native-protocol.js';
import type { SrNetSpec } from './native/sr-graph.js';
import { InferencePool } from './worker-pool.js';

/** NativeRunnerInfo: ModelRunnerInfo plus what the native engine runs and how. */
export interface NativeRunnerInfo extends ModelRunnerInfo {
  readonly engine: 'native';
  /** The addon's instruction set in use: avx512, avx2 or scalar. */
  readonly isa: string;
  /** LR pixels beyond a rectangle that its output depends on (from the graph; the kernel reads them itself). */
  readonly receptiveRadius: number;
  readonly macsPerPixel: number;
  readonly stripWidth: number;
}

/** NativeRunnerOptions: the model, its recognised network, workers and engine settings. */
export interface NativeRunnerOptions {
  readonly model: ResolvedModel;
  readonly spec: SrNetSpec;
  /** Worker threads, one network each (default 1); each runs one request at a time on one core. */
  readonly workers?: number;
  /** Instruction set (default: the fastest this CPU runs, as the caller read it from the addon). */
  readonly isa: string;
  /** Whole frames run as strips this many LR columns wide (default DEFAULT_STRIP_WIDTH; 0: the kernel sizes them to its cache). */
  readonly stripWidth?: number;
  readonly log: Logger;
  /** Worker entry; tests may pass a double. */
  readonly workerEntry?: URL;
}

/**
 * DEFAULT_STRIP_WIDTH: 0, the kernel picks strips as wide as keep every layer's rows in half the
 * L2 cache (whole rows for uprez-x2-fast up to 1280 px on a 2 MB L2; strips for the 22- and
 * 28-channel nets). Narrower strips pay the receptive halo again per strip; on this machine
 * strip widths from 320 px to whole rows measured within noise of each other (BENCHMARKS.md).
 */
export const DEFAULT_STRIP_WIDTH = 0;

const WORKER_ENTRY = new URL('./native/native-worker.mjs', import.meta.url);

/** createNativeRunner starts the workers (each builds the network in the addon); rejects with a coded UprezError. */
export async function createNativeRunner(opts: NativeRunnerOptions): Promise<NativeRunner> {
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UprezError('CONFIG_INVALID', `--inference-workers must be 1..64, got ${workers}`);
  }
  const stripWidth = opts.stripWidth ?? DEFAULT_STRIP_WIDTH;
  const init: NativeWorkerInit = { spec: opts.spec, isa: opts.isa, stripWidth };
  const pool = new InferencePool<NativeWorkerInit>({ entry: opts.workerEntry ?? WORKER_ENTRY, init, size: workers, log: opts.log });
  let ready: WorkerReady;
  try {
    ready = await pool.start();
  } catch (err) {
    throw new UprezError('MODEL_LOAD_FAILED', `model ${opts.model.name}: the native engine did not start: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const info: NativeRunnerInfo = {
    name: opts.model.name,
    path: opts.model.path,
    scale: opts.spec.scale,
    provider: ready.provider,
    workers,
    intraOpThreads: 1,
    layout: 'y_uint8',
    engine: 'native',
    isa: opts.isa,
    receptiveRadius: opts.spec.radius,
    macsPerPixel: opts.spec.macsPerPixel,
    stripWidth,
  };
  opts.log.info('model runner started', { model: info.name, engine: 'native', isa: info.isa, workers, macsPerPixel: info.macsPerPixel });
  return new NativeRunner(pool, info);
}

function checkPlane(y: Uint8Array, width: number, height: number): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width <= 0 ||
    height <= 0 ||
    width > 32_768 ||
    height > 32_768 ||
    y.length < width * height
  ) {
    throw new UprezError('MODEL_INPUT_INVALID', `a ${width}x${height} luma plane needs ${width * height} bytes, got ${y.length}`);
  }
}

/** NativeRunner upscales whole planes or rectangles of them; rejections are UprezError with fatal: false. */
export class NativeRunner implements ModelRunner, RegionRunner {
  private closing: Promise<void> | null = null;

  constructor(
    private readonly pool: InferencePool<NativeWorkerInit>,
    readonly info: NativeRunnerInfo,
  ) {}

  get pending(): number {
    return this.pool.pending;
  }

  async upscaleLuma(y: Uint8Array, width: number, height: number): Promise<LumaResult> {
    checkPlane(y, width, height);
    const r = await this.pool.run(y, width, height);
    return { y: new Uint8Array(r.y), inferMs: r.inferMs, ...(r.queuedMs !== undefined ? { queuedMs: r.queuedMs } : {}) };
  }

  /** upscaleLumaRegions runs the model on rectangles of the width x height plane `y`, in one request to one worker. */
  async upscaleLumaRegions(
    y: Uint8Array,
    width: number,
    height: number,
    rects: readonly LumaRect[],
    opts: RegionOptions = {},
  ): Promise<RegionsResult> {
    checkPlane(y, width, height);
    checkRects(width, height, rects);
    const r = await this.pool.run(y, width, height, undefined, { rects: packRects(rects), residual: opts.residual === true });
    const residual = opts.residual && r.residual ? new Int16Array(r.residual) : null;
    const regions = splitOutputs(rects, this.info.scale, new Uint8Array(r.y), residual);
    return { regions, inferMs: r.inferMs, ...(r.queuedMs !== undefined ? { queuedMs: r.queuedMs } : {}) };
  }

  warmUp(width: number, height: number, runs = 3): Promise<number[]> {
    return this.pool.warmUp(width, height, runs);
  }

  close(): Promise<void> {
    this.closing ??= this.pool.close();
    return this.closing;
  }
}

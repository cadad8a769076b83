/**
 * ModelRunner: an ONNX super-resolution model behind worker threads, shared by every stream of
 * the process. Loading validates the model (metadata against its layout's contract: uint8 Y, or
 * RGB float for models from elsewhere, which run on tiles; then a tiny probe run whose output
 * size must match the card's scale, or, without a card, the asked scale), so a bad file fails at
 * start with MODEL_INVALID naming it, never later on a frame.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { UprezError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { WorkerInit, WorkerReady } from './inference-protocol.js';
import { contractProblem, outputScaleProblem } from './model-contract.js';
import type { ModelLayout, ResolvedModel, TileSettings } from './model-registry.js';
import { checkRects, packRects, splitOutputs, type LumaRect, type RegionRunner, type RegionsResult } from './luma-regions.js';
import { InferencePool } from './worker-pool.js';

/** ModelRunnerInfo describes a loaded runner (the provider is the one actually in use). */
export interface ModelRunnerInfo {
  name: string;
  path: string;
  scale: number;
  provider: 'cpu' | 'cuda';
  workers: number;
  intraOpThreads: number;
  /** The tensor layout the model runs in (from its card, or read from the model); absent in test doubles. */
  layout?: ModelLayout;
  /** rgb_float: the tiling in use. */
  tile?: TileSettings;
  /** y_uint8: frames run as tiles of `size` LR pixels with `halo` pixels of context (exact), or absent: whole frames. */
  lumaTile?: { size: number; halo: number };
  /** y_uint8: how far one input pixel reaches in the output (LR pixels), measured at load. */
  receptiveRadius?: number;
}

/** LumaResult is an upscaled Y plane (width*scale x height*scale) and the time spent in session.run. */
export interface LumaResult {
  y: Uint8Array;
  inferMs: number;
  /** Time the request waited in its worker behind earlier requests (any stream's), when known. */
  queuedMs?: number;
  /** rgb_float: model runs this plane took, and the largest run's input in LR pixels (bounded by the tile). */
  tiles?: number;
  maxTilePixels?: number;
}

/** ModelRunner upscales Y planes (whole, or rectangles of them) with the model; rejections are UprezError with fatal: false. */
export interface ModelRunner extends RegionRunner {
  readonly info: ModelRunnerInfo;
  /** Requests in flight at the runner from every caller (streams share it); optional for test doubles. */
  readonly pending?: number;
  /** upscaleLuma upscales one width x height Y plane. */
  upscaleLuma(y: Uint8Array, width: number, height: number): Promise<LumaResult>;
  /** warmUp runs every worker `runs` times (default 3) at this size; returns round-trip ms per run, in order. */
  warmUp(width: number, height: number, runs?: number): Promise<number[]>;
  /** close ends the workers; idempotent. */
  close(): Promise<void>;
}

/** PROVIDER_CHOICES are the onnxruntime execution providers one can ask for ('auto': CUDA when available, else CPU). */
export const PROVIDER_CHOICES = ['auto', 'cpu', 'cuda'] as const;

/** ProviderChoice is one of PROVIDER_CHOICES. */
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

/** ModelRunnerOptions: which model, where to run it, how many workers and threads. */
export interface ModelRunnerOptions {
  model: ResolvedModel;
  provider: ProviderChoice;
  /** Worker threads, one session each (default 1). */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default: the cores left after the event loop, split over the workers). */
  intraOpThreads?: number;
  log: Logger;
  /** Worker entry; tests pass a double that speaks the same protocol. */
  workerEntry?: URL;
  /** rgb_float tiling (default: the card's "tile", else 256 px tiles with 16 px overlap). */
  tile?: TileSettings;
  /** y_uint8 tile side in LR pixels (even; 0: whole frames). Default DEFAULT_LUMA_TILE. */
  lumaTile?: number;
}

/**
 * DEFAULT_LUMA_TILE: uint8 luma models run in tiles of 256 LR pixels a side, which bounds each
 * session's memory by the tile instead of the frame (about 6 % of the time; luma-tiling.mjs).
 */
export const DEFAULT_LUMA_TILE = 256;

/** DEFAULT_TILE: tiles of 256x256 LR pixels with 16 px of context, about 290k input pixels per run. */
export const DEFAULT_TILE: TileSettings = { size: 256, overlap: 16 };

/** Probe size for the load-time check: small, and a multiple of 8 for models that need it. */
const PROBE_W = 32;
const PROBE_H = 24;

const WORKER_ENTRY = new URL('./inference-worker.mjs', import.meta.url);

function invalid(model: ResolvedModel, why: string, cause?: unknown): UprezError {
  return new UprezError(
    'MODEL_INVALID',
    `model ${model.name} (${model.path}) is not usable: ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

/** createModelRunner loads and validates the model in its workers; rejects with a coded UprezError. */
export async function createModelRunner(opts: ModelRunnerOptions): Promise<ModelRunner> {
  const { model, log } = opts;
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UprezError('CONFIG_INVALID', `--inference-workers must be 1..64, got ${workers}`);
  }
  const intraOpThreads = opts.intraOpThreads ?? Math.max(1, Math.floor((availableParallelism() - 1) / workers));
  await checkDigest(model);
  const tile = opts.tile ?? model.card?.tile ?? DEFAULT_TILE;
  const lumaTile = opts.lumaTile ?? DEFAULT_LUMA_TILE;
  if (!Number.isInteger(lumaTile) || lumaTile < 0 || lumaTile % 2)
    throw new UprezError('CONFIG_INVALID', `the luma tile must be an even number of pixels (0: whole frames), got ${lumaTile}`);
  const base = {
    modelPath: model.path,
    intraOpThreads,
    layout: model.layout,
    tileSize: tile.size,
    tileOverlap: tile.overlap,
    lumaTile,
  } as const;
  const entry = opts.workerEntry ?? WORKER_ENTRY;
  const { pool, ready } = await startPool(opts, entry, base, workers);
  const layout: ModelLayout = ready.layout ?? (model.layout === 'detect' ? 'y_uint8' : model.layout);
  const runner = new WorkerModelRunner(pool, {
    name: model.name,
    path: model.path,
    scale: model.scale,
    provider: ready.provider,
    workers,
    intraOpThreads,
    layout,
    ...(layout === 'rgb_float' ? { tile } : {}),
    ...(ready.lumaTile ? { lumaTile: { ...ready.lumaTile } } : {}),
    ...(ready.receptiveRadius !== undefined ? { receptiveRadius: ready.receptiveRadius } : {}),
  });
  try {
    const problem = contractProblem(layout, ready.inputs, ready.outputs);
    if (problem) throw invalid(model, problem + (model.layout === 'detect' ? ' (layout read from the model; it has no card)' : ''));
    let probe;
    try {
      probe = await pool.run(new Uint8Array(PROBE_W * PROBE_H).fill(128), PROBE_W, PROBE_H);
    } catch (err) {
      throw invalid(model, `a ${PROBE_W}x${PROBE_H} probe run failed: ${errorMessage(err)}`, err);
    }
    const scaleProblem = outputScaleProblem(PROBE_W, PROBE_H, probe.width, probe.height, model.scale);
    if (scaleProblem) {
      // Without a card the probe is where the scale comes from: say which --scale fits.
      const seen = probe.width / PROBE_W;
      const hint = Number.isInteger(seen) && probe.height === PROBE_H * seen ? `; pass --scale ${seen}` : '';
      throw invalid(model, scaleProblem + (model.card ? ` (card ${model.card.cardPath})` : ` (--scale; the model has no card${hint})`));
    }
  } catch (err) {
    await runner.close();
    throw err;
  }
  log.info('model runner started', {
    model: model.name,
    provider: ready.provider,
    layout,
    workers,
    intraOpThreads,
    ...(layout === 'rgb_float' ? { tile } : {}),
    ...(ready.lumaTile ? { lumaTile: ready.lumaTile.size, halo: ready.lumaTile.halo, receptiveRadius: ready.receptiveRadius } : {}),
  });
  return runner;
}

/** checkDigest compares the file with the card's "sha256" when the card gives one (a stale or corrupt export). */
async function checkDigest(model: ResolvedModel): Promise<void> {
  const want = model.card?.fields['sha256'];
  if (typeof want !== 'string' || !/^[0-9a-f]{64}$/i.test(want)) return;
  let bytes: Buffer;
  try {
    bytes = await readFile(model.path);
  } catch (err) {
    throw invalid(model, `cannot read it: ${errorMessage(err)}`, err);
  }
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== want.toLowerCase()) {
    throw invalid(model, `its sha256 is ${got} but the card ${model.card?.cardPath} says ${want} (re-export the model or fix the card)`);
  }
}

/** startPool starts the workers on the asked provider; 'auto' tries CUDA, then CPU, and says why. */
async function startPool(
  opts: ModelRunnerOptions,
  entry: URL,
  base: Omit<WorkerInit, 'provider'>,
  workers: number,
): Promise<{ pool: InferencePool; ready: WorkerReady }> {
  const { model, log } = opts;
  const tryStart = async (provider: 'cpu' | 'cuda') => {
    const pool = new InferencePool({ entry, init: { ...base, provider }, size: workers, log });
    return { pool, ready: await pool.start() };
  };
  if (opts.provider === 'cpu') {
    try {
      return await tryStart('cpu');
    } catch (err) {
      throw invalid(model, errorMessage(err), err);
    }
  }
  try {
    return await tryStart('cuda');
  } catch (cudaErr) {
    // Was it the provider or the model? Loading on CPU tells them apart.
    let cpu: { pool: InferencePool; ready: WorkerReady };
    try {
      cpu = await tryStart('cpu');
    } catch (cpuErr) {
      throw invalid(model, errorMessage(cpuErr), cpuErr);
    }
    if (opts.provider === 'cuda') {
      await cpu.pool.close();
      throw new UprezError(
        'MODEL_PROVIDER_UNAVAILABLE',
        `--provider cuda: the CUDA execution provider could not start (${errorMessage(cudaErr)}); use --provider auto or cpu`,
        { cause: cudaErr },
      );
    }
    log.info('CUDA execution provider unavailable, using CPU', { reason: errorMessage(cudaErr) });
    return cpu;
  }
}

/** WorkerModelRunner is the ModelRunner over an InferencePool. */
class WorkerModelRunner implements ModelRunner {
  private closing: Promise<void> | null = null;

  constructor(
    private readonly pool: InferencePool,
    readonly info: ModelRunnerInfo,
  ) {}

  get pending(): number {
    return this.pool.pending;
  }

  async upscaleLuma(y: Uint8Array, width: number, height: number): Promise<LumaResult> {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || y.length < width * height) {
      throw new UprezError('MODEL_INPUT_INVALID', `a ${width}x${height} luma plane needs ${width * height} bytes, got ${y.length}`);
    }
    const r = await this.pool.run(y, width, height);
    const s = this.info.scale;
    if (r.width !== width * s || r.height !== height * s) {
      throw new UprezError('MODEL_RUN_FAILED', `model output ${r.width}x${r.height} for a ${width}x${height} input is not x${s}`);
    }
    return {
      y: new Uint8Array(r.y),
      inferMs: r.inferMs,
      ...(r.queuedMs !== undefined ? { queuedMs: r.queuedMs } : {}),
      ...(r.tiles !== undefined ? { tiles: r.tiles, maxTilePixels: r.maxTilePixels ?? 0 } : {}),
    };
  }

  /**
   * upscaleLumaRegions runs the model on rectangles of the plane, in one request to one worker:
   * each rectangle as its window with the measured halo (exactly the whole-frame output inside it
   * for uint8 models; RGB float models use their tile overlap).
   */
  async upscaleLumaRegions(y: Uint8Array, width: number, height: number, rects: readonly LumaRect[]): Promise<RegionsResult> {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || y.length < width * height) {
      throw new UprezError('MODEL_INPUT_INVALID', `a ${width}x${height} luma plane needs ${width * height} bytes, got ${y.length}`);
    }
    checkRects(width, height, rects);
    const r = await this.pool.run(y, width, height, undefined, { rects: packRects(rects) });
    const s = this.info.scale;
    const expected = rects.reduce((n, q) => n + q.width * s * q.height * s, 0);
    if (r.y.byteLength !== expected)
      throw new UprezError('MODEL_RUN_FAILED', `the model returned ${r.y.byteLength} bytes for the regions, expected ${expected} at x${s}`);
    return {
      regions: splitOutputs(rects, s, new Uint8Array(r.y), null),
      inferMs: r.inferMs,
      ...(r.queuedMs !== undefined ? { queuedMs: r.queuedMs } : {}),
    };
  }

  warmUp(width: number, height: number, runs = 3): Promise<number[]> {
    return this.pool.warmUp(width, height, runs);
  }

  close(): Promise<void> {
    this.closing ??= this.pool.close();
    return this.closing;
  }
}

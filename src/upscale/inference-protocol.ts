/**
 * Messages between the model runner (main thread) and inference-worker.mjs (one
 * onnxruntime InferenceSession per worker thread). Types only: the worker imports them in JSDoc.
 */
import type { ModelLayout } from './model-registry.js';

/** WorkerInit is the worker's `workerData`: which model to load and how. */
export interface WorkerInit {
  readonly modelPath: string;
  readonly provider: 'cpu' | 'cuda';
  readonly intraOpThreads: number;
  /**
   * The tensor layout, from the model's card; 'detect' (a model without a card) lets the worker
   * pick it from the session's input metadata (float32 [1,3,H,W] is rgb_float, else y_uint8).
   */
  readonly layout: ModelLayout | 'detect';
  /** rgb_float only: largest tile side in LR pixels (default 256). */
  readonly tileSize?: number;
  /** rgb_float only: context kept around each tile in LR pixels (default 16). */
  readonly tileOverlap?: number;
  /**
   * y_uint8 only: run frames as tiles of this many LR pixels a side (even; 0: whole frames), with
   * a halo from the model's measured receptive radius (luma-tiling.mjs), so memory is bounded.
   */
  readonly lumaTile?: number;
}

/** TensorMeta is one model input or output as onnxruntime reports it (symbolic dims are strings). */
export interface TensorMeta {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** WorkerReady: the session loaded; here is its metadata. */
export interface WorkerReady {
  readonly type: 'ready';
  readonly provider: 'cpu' | 'cuda';
  /** The layout the worker runs the model in (absent from older workers: the init's layout). */
  readonly layout?: ModelLayout;
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
  /** y_uint8: how far one input pixel reaches in the output (LR pixels), as measured at load. */
  readonly receptiveRadius?: number;
  /** y_uint8: the tiling in use (absent: whole frames). */
  readonly lumaTile?: { readonly size: number; readonly halo: number };
}

/** WorkerFailed: the session could not be created (bad file, provider missing); the worker then exits. */
export interface WorkerFailed {
  readonly type: 'failed';
  readonly message: string;
}

/** RunRequest asks for one luma upscale; `y` is transferred (width*height bytes). */
export interface RunRequest {
  readonly type: 'run';
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly y: ArrayBuffer;
  /** Native workers only: rectangles (Int32 x, y, w, h each) to produce instead of the whole frame. */
  readonly rects?: ArrayBuffer;
  /** Native workers only, with rects: also return each rectangle's output minus the model's bicubic skip. */
  readonly residual?: boolean;
  /** When the request was sent (performance.timeOrigin + performance.now()), for workers that cannot see their own queue. */
  readonly sentAt?: number;
}

/** CloseRequest asks the worker to release its session and end. */
export interface CloseRequest {
  readonly type: 'close';
}

/** RunResult carries the upscaled luma back (transferred) and the time spent in session.run. */
export interface RunResult {
  readonly type: 'result';
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly y: ArrayBuffer;
  readonly inferMs: number;
  /** Time the request waited in the worker behind earlier ones. */
  readonly queuedMs?: number;
  /** With rects: the rectangles' outputs packed one after another (y), and their residuals as int16 when asked. */
  readonly residual?: ArrayBuffer;
  /** rgb_float: how many tiles the frame was run as, and the largest tile's input pixels. */
  readonly tiles?: number;
  readonly maxTilePixels?: number;
}

/** RunError: this request failed; the worker carries on. */
export interface RunError {
  readonly type: 'error';
  readonly id: number;
  readonly message: string;
}

/** ToWorker is everything the main thread sends. */
export type ToWorker = RunRequest | CloseRequest;

/** FromWorker is everything a worker sends. */
export type FromWorker = WorkerReady | WorkerFailed | RunResult | RunError;

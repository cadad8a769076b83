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
  /** The tensor adapter the worker uses (only 'y_uint8' is built; RGB float comes later). */
  readonly layout: ModelLayout;
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
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
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

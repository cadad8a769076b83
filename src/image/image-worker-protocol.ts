import type { ImageJobRequest, ImageJobResult } from './upscale-image-file.js';

/**
 * Messages between the batch (main thread) and an image worker thread. The worker runs a whole
 * image job (decode, tiles, encode) and asks the main thread, which owns the model, to upscale
 * each tile's luma; pixels travel as transferred buffers, never copied.
 */

/** ImageWorkerError is an error as data (an UprezError's code, or IMAGE_INTERNAL), since Error subclasses do not survive postMessage. */
export interface ImageWorkerError {
  readonly code: string;
  readonly message: string;
}

/** ToImageWorker: a job, or the answer to one of the worker's luma requests. */
export type ToImageWorker =
  | { readonly type: 'job'; readonly id: number; readonly req: ImageJobRequest }
  | { readonly type: 'luma-reply'; readonly call: number; readonly ok: true; readonly y: Uint8Array; readonly inferMs?: number }
  | { readonly type: 'luma-reply'; readonly call: number; readonly ok: false; readonly error: ImageWorkerError };

/** FromImageWorker: a luma request for job `id`, its progress, or its result. */
export type FromImageWorker =
  | {
      readonly type: 'luma';
      readonly id: number;
      readonly call: number;
      readonly y: Uint8Array;
      readonly width: number;
      readonly height: number;
    }
  | { readonly type: 'progress'; readonly id: number; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly result: ImageJobResult }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: ImageWorkerError };

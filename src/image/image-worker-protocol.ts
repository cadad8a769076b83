import type { FinishedImage, FinishRequest, PreparedImage } from './image-job.js';

/** ImageWorkerRequest is one job for an image worker thread. */
export type ImageWorkerRequest =
  | { readonly id: number; readonly op: 'prepare'; readonly input: string }
  | { readonly id: number; readonly op: 'finish'; readonly req: FinishRequest };

/** ImageWorkerError is an error as data (an UprezError's code, or INTERNAL), since Error subclasses do not survive postMessage. */
export interface ImageWorkerError {
  readonly code: string;
  readonly message: string;
}

/** ImageWorkerReply answers the request with the same id. */
export type ImageWorkerReply =
  | { readonly id: number; readonly ok: true; readonly op: 'prepare'; readonly result: PreparedImage }
  | { readonly id: number; readonly ok: true; readonly op: 'finish'; readonly result: FinishedImage }
  | { readonly id: number; readonly ok: false; readonly error: ImageWorkerError };

/** The upload queue's jobs; `seq` orders them as they were announced. */
import type { HlsFileKind } from '../hls/hls-output.js';
import type { PreparedFile } from './upload-types.js';

/** A media file waiting for (or in) its PUT. */
export interface FileJob {
  readonly type: 'file';
  readonly seq: number;
  readonly rel: string;
  readonly kind: HlsFileKind;
  prepared: PreparedFile | null;
  cancelled: boolean;
}
/** The newest version of one playlist waiting for its PUT. */
export interface PlaylistJob {
  readonly type: 'playlist';
  readonly seq: number;
  readonly rel: string;
  readonly text: string;
  readonly deps: readonly string[];
  readonly at: number;
  /** After a failed commit: not before this time, and how many commits failed. */
  notBefore: number;
  commitFailures: number;
}
/** A DELETE waiting until nothing visible lists the file (plus the delay). */
export interface RemoveJob {
  readonly type: 'remove';
  readonly seq: number;
  readonly rel: string;
  eligibleAt: number | null;
}
/** Job is anything the upload queue sends. */
export type Job = FileJob | PlaylistJob | RemoveJob;

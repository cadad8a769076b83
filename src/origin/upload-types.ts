/** Types shared by the origin upload queue, its ports and its observers. */
import type { HlsFileKind } from '../hls/hls-output.js';
import type { BackoffPolicy } from './backoff.js';

/** What a request carries, as the `kind` metric label: a media file kind, a playlist, or a delete. */
export type UploadKind = HlsFileKind | 'playlist' | 'delete';

/** Every UploadKind (metric label values). */
export const UPLOAD_KINDS: readonly UploadKind[] = ['init', 'segment', 'part', 'playlist', 'delete'];

/**
 * Why something never reached the origin (the `reason` label):
 * overflow: the queue's bound was hit and this was the oldest segment or part waiting;
 * missing: the local file was gone before it could be taken (or read);
 * rejected: the origin refused it for good (a 4xx other than 408/425/429);
 * expired: it left the live window (remove()) before it could be uploaded;
 * closed: still queued when the stream's output closed and the flush time ran out;
 * invalid: an unsafe path, refused at the edge;
 * fenced: this instance no longer owns the stream (its commit hook said so): nothing more goes up.
 */
export type DropReason = 'overflow' | 'missing' | 'rejected' | 'expired' | 'closed' | 'invalid' | 'fenced';

/** Every DropReason (metric label values). */
export const DROP_REASONS: readonly DropReason[] = ['overflow', 'missing', 'rejected', 'expired', 'closed', 'invalid', 'fenced'];

/** A file the queue holds for upload (e.g. a hard link in a spool) and its size in bytes. */
export interface PreparedFile {
  readonly path: string;
  readonly size: number;
}

/** UploadBody is a prepared file streamed from disk, or a playlist's text. */
export type UploadBody = { readonly file: PreparedFile; readonly text?: undefined } | { readonly text: string; readonly file?: undefined };

/** QueuePort is what the upload queue needs from outside: a way to hold files and an origin to send to. */
export interface QueuePort {
  /** Take hold of a complete local file so it outlives the local retention window; rejects ORIGIN_FILE_MISSING when gone. */
  prepare(rel: string, absPath: string): Promise<PreparedFile>;
  /** Let go of a prepared file (uploaded, dropped or replaced). */
  release(file: PreparedFile): void;
  /** PUT one file or playlist at the stream-relative path; rejects with an OriginError. */
  put(rel: string, body: UploadBody, signal: AbortSignal): Promise<void>;
  /** DELETE a stream-relative path (a 404 counts as done); rejects with an OriginError. */
  delete(rel: string, signal: AbortSignal): Promise<void>;
  /**
   * Optional write-ahead gate, run when a playlist version is ready to go up and before its PUT
   * (e.g. save the continuity record, fenced by the stream's lease). true: PUT it; false: this
   * instance no longer owns the stream, drop everything (fenced); a rejection: try this playlist
   * again later (with backoff, without pausing files).
   */
  commit?(rel: string, text: string): Promise<boolean>;
}

/** QueueObserver hears every outcome (metrics, logs); all methods must return at once. */
export interface QueueObserver {
  succeeded(kind: UploadKind, seconds: number): void;
  /** A request failed; `retrying` says whether it will be tried again. */
  failed(kind: UploadKind, retrying: boolean, err: Error): void;
  dropped(kind: UploadKind, reason: DropReason): void;
  /** Items waiting or in flight, and the bytes of the files among them. */
  depth(items: number, bytes: number): void;
  /** A playlist version is now visible at the origin (for the continuity record). */
  visible?(rel: string, text: string): void;
}

/** UploadQueueOptions bound the queue; see DEFAULT_QUEUE_OPTIONS for what each default is for. */
export interface UploadQueueOptions {
  /** Requests in flight at once for this stream. */
  readonly concurrency: number;
  /** Media files waiting or in flight before the oldest segment or part is dropped. */
  readonly maxFiles: number;
  /** Their bytes (held on disk, not in memory) before the oldest segment or part is dropped. */
  readonly maxBytes: number;
  /** One request's time limit; a timeout counts as a retryable failure. */
  readonly requestTimeoutMs: number;
  /** The pause after consecutive failures, for the whole stream's queue (the origin is one server). */
  readonly backoff: BackoffPolicy;
  /**
   * How long after the first visible playlist that no longer lists a file it is deleted, so a
   * viewer holding the previous playlist can still fetch it (RFC 8216 6.2.2 asks for at least a
   * segment plus a playlist duration).
   */
  readonly removeDelayMs: number;
  /** Pending deletes kept; past it the oldest is forgotten (the file stays on the origin). */
  readonly maxRemoves: number;
  /** [0, 1) source for backoff jitter (tests pass a fixed one). */
  readonly random?: () => number;
}

/** DEFAULT_QUEUE_OPTIONS: about four minutes of a 1440p + 720p ladder (~1 MB/s) before anything is dropped. */
export const DEFAULT_QUEUE_OPTIONS: UploadQueueOptions = Object.freeze({
  concurrency: 4,
  maxFiles: 512,
  maxBytes: 256 * 1024 * 1024,
  requestTimeoutMs: 10_000,
  backoff: Object.freeze({ baseMs: 200, maxMs: 2_000 }),
  removeDelayMs: 10_000,
  maxRemoves: 4_096,
});

/** QueueStats is one stream's origin upload state, as /api/streams shows it. */
export interface QueueStats {
  readonly queue: {
    readonly files: number;
    readonly bytes: number;
    readonly playlists: number;
    readonly removes: number;
    /** Playlists waiting because they list a file that was dropped (they wait for a version without it). */
    readonly held: number;
    readonly inFlight: number;
  };
  readonly uploads: { readonly ok: number; readonly failed: number; readonly retried: number; readonly dropped: number };
  readonly dropped: Readonly<Record<DropReason, number>>;
  readonly deletes: { readonly ok: number; readonly failed: number };
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  /** Request time of recent successful uploads, ms. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly last: number };
  /** Time from playlist() to that version being visible at the origin, ms (the origin's lag behind the encoder). */
  readonly playlistLagMs: number | null;
  /** The queue is paused after failures until this time (ms since epoch), or null. */
  readonly backoffUntil: number | null;
}

/**
 * OriginMirror is the HlsOutput that publishes one stream to the HTTP origin: it validates what
 * the HLS layer hands it, works out which files each playlist lists, and leaves ordering, retries
 * and bounds to its UploadQueue. Every call returns at once.
 */
import path from 'node:path';
import type { HlsFileKind, HlsOutput } from '../hls/hls-output.js';
import type { Logger } from '../log/logger.js';
import { isSafeRelPath, playlistDeps } from './playlist-refs.js';
import type { Spool } from './spool.js';
import { UploadQueue } from './upload-queue.js';
import type { QueueObserver, QueueStats, UploadBody, UploadKind, UploadQueueOptions } from './upload-types.js';

/** OriginSink is the server-wide origin connection as a stream's mirror uses it (HttpOrigin is one). */
export interface OriginSink {
  /** The origin's base URL, safe to log. */
  readonly display: string;
  put(relPath: string, body: UploadBody, signal: AbortSignal): Promise<void>;
  delete(relPath: string, signal: AbortSignal): Promise<void>;
}

/** OriginStreamStats is one stream's origin state in /api/streams (`origin` field). */
export interface OriginStreamStats extends QueueStats {
  /** The origin's base URL (credentials redacted) and this stream's directory below it. */
  readonly url: string;
  readonly state: 'open' | 'closing' | 'closed';
}

/** OriginMirrorOptions wire one stream's mirror. */
export interface OriginMirrorOptions {
  readonly key: string;
  readonly sink: OriginSink;
  readonly spool: Spool;
  readonly observer: QueueObserver;
  readonly log: Logger;
  readonly queue?: Partial<UploadQueueOptions>;
  /** close() waits this long for the queue to drain before it aborts what is left. Default 5 s. */
  readonly closeTimeoutMs?: number;
  /** Write-ahead gate before each playlist PUT (see QueuePort.commit), e.g. ContinuityRecorder.commit. */
  readonly commit?: (relPath: string, text: string) => Promise<boolean>;
}

/** OriginMirror publishes one stream's HLS files to the origin under KEY/. */
export class OriginMirror implements HlsOutput {
  private readonly queue: UploadQueue;
  private state: OriginStreamStats['state'] = 'open';
  private closing: Promise<void> | null = null;
  private warnedInvalid = false;

  constructor(private readonly opts: OriginMirrorOptions) {
    const prefix = `${opts.key}/`;
    this.queue = new UploadQueue(
      {
        prepare: (rel, abs) => opts.spool.hold(rel, abs),
        release: (f) => opts.spool.release(f),
        put: (rel, body, signal) => opts.sink.put(prefix + rel, body, signal),
        delete: (rel, signal) => opts.sink.delete(prefix + rel, signal),
        commit: opts.commit,
      },
      opts.observer,
      opts.queue,
    );
  }

  /** file queues a finished media file; an unsafe path is refused and counted (dropped, reason invalid). */
  file(relPath: string, absPath: string, kind: HlsFileKind): void {
    if (!this.valid(relPath, kind) || !path.isAbsolute(absPath)) return;
    this.queue.file(relPath, absPath, kind);
  }

  /** playlist queues a playlist version; it goes up once every file it lists is at the origin. */
  playlist(relPath: string, text: string): void {
    if (!this.valid(relPath, 'playlist')) return;
    this.queue.playlist(relPath, text, playlistDeps(relPath, text));
  }

  /** remove deletes a file at the origin once no visible playlist lists it. */
  remove(relPath: string): void {
    if (!this.valid(relPath, 'delete')) return;
    this.queue.remove(relPath);
  }

  /** close flushes for up to closeTimeoutMs, aborts the rest and empties the spool; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closing';
      await this.queue.close(this.opts.closeTimeoutMs ?? 5_000);
      await this.opts.spool
        .clear()
        .catch((err: unknown) => this.opts.log.warn('origin spool not removed', { dir: this.opts.spool.dir, err }));
      this.state = 'closed';
    })();
    return this.closing;
  }

  /** stats is this stream's origin state for /api/streams. */
  stats(): OriginStreamStats {
    return { url: `${this.opts.sink.display}${this.opts.key}/`, state: this.state, ...this.queue.stats() };
  }

  private valid(relPath: string, kind: UploadKind): boolean {
    if (typeof relPath === 'string' && isSafeRelPath(relPath)) return true;
    this.queue.refuse(kind);
    if (!this.warnedInvalid) {
      this.warnedInvalid = true;
      this.opts.log.warn('origin mirror refused an unsafe path (further ones are only counted)', { path: String(relPath).slice(0, 200) });
    }
    return false;
  }
}

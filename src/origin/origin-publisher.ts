/**
 * OriginPublisher is the server-wide side of --hls-origin: one validated origin, one keep-alive
 * connection pool, one spool directory, and an OriginMirror (an HlsOutput) per live stream.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { isValidStreamKey } from '../media/stream-key.js';
import type { Logger } from '../log/logger.js';
import { HttpOrigin } from './http-origin.js';
import { forgetOriginStream, type OriginMetrics } from './origin-metrics.js';
import { OriginMirror, type OriginSink, type OriginStreamStats } from './origin-mirror.js';
import { originObserver } from './origin-observer.js';
import { parseOriginUrl } from './origin-url.js';
import { Spool } from './spool.js';
import type { UploadQueueOptions } from './upload-types.js';

/** OriginPublisherOptions configure the server's origin output. */
export interface OriginPublisherOptions {
  /** The origin base URL (--hls-origin / UPREZ_HLS_ORIGIN); validated here. */
  readonly url: string;
  /** Where mirrors hold files until they are up, e.g. DATA_DIR/origin-spool (same file system as the HLS output, so holding is a hard link). */
  readonly spoolDir: string;
  readonly log: Logger;
  /** createOriginMetrics(registry) of the server; omitted: no Prometheus series. */
  readonly metrics?: OriginMetrics;
  readonly queue?: Partial<UploadQueueOptions>;
  /** Each stream's close() waits this long for its queue to drain. Default 5 s. */
  readonly closeTimeoutMs?: number;
  /** Tests replace the HTTP origin. */
  readonly sink?: OriginSink;
}

/** StreamOutputHooks tie a stream's mirror to the registry (continuity record, fencing) and let tests watch it. */
export interface StreamOutputHooks {
  /**
   * Write-ahead gate before each playlist PUT: ContinuityRecorder.commit (true: go; false: this
   * instance no longer owns the stream, nothing more goes up; a rejection: retry that playlist later).
   */
  commit?(relPath: string, text: string): Promise<boolean>;
  /** A playlist version is now visible at the origin. */
  visible?(relPath: string, text: string): void;
}

/** OriginPublisher hands out one OriginMirror per stream and answers for their stats. */
export class OriginPublisher {
  private readonly http: HttpOrigin | null;
  private readonly sink: OriginSink;
  private readonly mirrors = new Map<string, OriginMirror>();
  /** Every mirror not yet seen closed, including ones a republish replaced in `mirrors`. */
  private readonly live = new Set<OriginMirror>();
  private opened = 0;
  private closed = false;
  private readonly log: Logger;
  /** The origin URL as it may be logged (credentials redacted). */
  readonly display: string;

  constructor(private readonly opts: OriginPublisherOptions) {
    const target = parseOriginUrl(opts.url, '--hls-origin (UPREZ_HLS_ORIGIN)');
    this.display = target.display;
    this.http = opts.sink ? null : new HttpOrigin(target);
    this.sink = opts.sink ?? {
      display: target.display,
      put: (p, b, s) => (this.http as HttpOrigin).put(p, b, s),
      delete: (p, s) => (this.http as HttpOrigin).delete(p, s),
    };
    this.log = opts.log.child({ stage: 'origin' });
  }

  /** start removes spool files a previous run left behind (it crashed before they went up). */
  async start(): Promise<void> {
    await rm(this.opts.spoolDir, { recursive: true, force: true });
    this.log.info('HLS origin mirror on', { origin: this.display });
  }

  /**
   * forStream opens stream `key`'s origin output. A previous mirror of the same key (a republish
   * while it still flushes) keeps flushing on its own; stats then follow the new one.
   */
  forStream(key: string, hooks: StreamOutputHooks = {}): OriginMirror {
    if (!isValidStreamKey(key))
      throw new UprezError('ORIGIN_BAD_KEY', `invalid stream key for the origin: ${JSON.stringify(String(key).slice(0, 80))}`);
    if (this.closed) throw new UprezError('ORIGIN_CLOSED', 'the origin publisher is closed');
    const log = this.log.child({ stream: key });
    const mirror = new OriginMirror({
      key,
      sink: this.sink,
      spool: new Spool(path.join(this.opts.spoolDir, `${key}.${++this.opened}`)),
      observer: originObserver(key, log, this.opts.metrics, hooks.visible),
      log,
      queue: this.opts.queue,
      closeTimeoutMs: this.opts.closeTimeoutMs,
      commit: hooks.commit?.bind(hooks),
    });
    for (const m of this.live) if (m.stats().state === 'closed') this.live.delete(m);
    this.mirrors.set(key, mirror);
    this.live.add(mirror);
    return mirror;
  }

  /** stats is stream `key`'s origin state (its latest mirror), or undefined. */
  stats(key: string): OriginStreamStats | undefined {
    return this.mirrors.get(key)?.stats();
  }

  /** forget drops an ended stream's stats and metric series (call when the stream leaves /api/streams). */
  forget(key: string): void {
    const m = this.mirrors.get(key);
    if (m && m.stats().state !== 'closed') return;
    this.mirrors.delete(key);
    if (m) this.live.delete(m);
    if (this.opts.metrics) forgetOriginStream(this.opts.metrics, key);
  }

  /** close flushes every stream's mirror (each bounded by closeTimeoutMs) and drops the connections; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.live].map((m) => m.close()));
    this.live.clear();
    this.http?.close();
  }
}

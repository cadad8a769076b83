/**
 * UploadQueue orders one stream's origin requests so a viewer of the origin never gets a 404, and
 * never makes its caller wait: files first, each playlist once the files it lists are up, deletes
 * once no visible playlist lists the file (plus a delay). Failures pause the whole queue with
 * exponential backoff; the queue is bounded, and drops the oldest segments or parts when full.
 * A playlist that lists a dropped file is held until a newer version no longer lists it.
 */
import type { HlsFileKind } from '../hls/hls-output.js';
import { backoffDelay } from './backoff.js';
import { asOriginError, OriginError } from './origin-error.js';
import type { FileJob, Job, PlaylistJob, RemoveJob } from './upload-jobs.js';
import { OriginView } from './origin-view.js';
import { QueueTally } from './queue-tally.js';
import { DEFAULT_QUEUE_OPTIONS } from './upload-types.js';
import type { DropReason, PreparedFile, QueueObserver, QueuePort, QueueStats, UploadKind, UploadQueueOptions } from './upload-types.js';

/** UploadQueue is one stream's ordered, bounded, retrying origin upload queue; every public method returns at once. */
export class UploadQueue {
  private readonly opts: UploadQueueOptions;
  private seq = 0;
  private readonly files = new Map<string, FileJob>();
  private readonly playlists = new Map<string, PlaylistJob>();
  private readonly removes = new Map<string, RemoveJob>();
  private readonly busy = new Map<string, { job: Job; abort: AbortController }>();
  private readonly origin = new OriginView();
  private bytes = 0;
  private failures = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  /** The commit hook said this instance no longer owns the stream. */
  private fenced = false;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  private readonly tally = new QueueTally();

  constructor(
    private readonly port: QueuePort,
    private readonly observer: QueueObserver,
    opts: Partial<UploadQueueOptions> = {},
  ) {
    this.opts = { ...DEFAULT_QUEUE_OPTIONS, ...opts };
  }

  /** file queues a complete media file for upload as `rel`; `absPath` is taken hold of at once (see QueuePort.prepare). */
  file(rel: string, absPath: string, kind: HlsFileKind): void {
    if (this.closing || this.fenced) return this.drop(kind, this.fenced ? 'fenced' : 'closed');
    const old = this.files.get(rel);
    if (old) this.cancel(old);
    const job: FileJob = { type: 'file', seq: ++this.seq, rel, kind, prepared: null, cancelled: false };
    this.files.set(rel, job);
    this.origin.undrop(rel);
    this.port.prepare(rel, absPath).then(
      (p) => {
        if (job.cancelled || this.closed) return this.port.release(p);
        job.prepared = p;
        this.bytes += p.size;
        this.enforceBounds();
        this.pump();
      },
      (err: unknown) => {
        if (job.cancelled) return;
        this.noteError(asOriginError(err));
        this.dropFile(job, 'missing');
        this.pump();
      },
    );
    this.enforceBounds();
    this.pump();
  }

  /** playlist queues a playlist version listing `deps` (stream-relative paths); it replaces a version not yet sent. */
  playlist(rel: string, text: string, deps: readonly string[]): void {
    if (this.closing || this.fenced) return this.drop('playlist', this.fenced ? 'fenced' : 'closed');
    this.playlists.set(rel, { type: 'playlist', seq: ++this.seq, rel, text, deps, at: Date.now(), notBefore: 0, commitFailures: 0 });
    this.pump();
  }

  /** remove deletes `rel` at the origin once no visible playlist lists it (or cancels its upload if it is not up yet). */
  remove(rel: string): void {
    if (this.closing || this.fenced) return;
    const pending = this.files.get(rel);
    const wasUp = this.origin.has(rel) || this.busy.get(rel)?.job.type === 'file';
    if (pending) this.dropFile(pending, 'expired');
    // A file this queue never sent may still be at the origin (a predecessor put it): delete it too.
    if (pending && !wasUp) return this.pump();
    if (this.removes.size >= this.opts.maxRemoves) {
      const oldest = this.removes.keys().next().value;
      if (oldest !== undefined) this.removes.delete(oldest);
      this.drop('delete', 'overflow');
    }
    this.removes.delete(rel);
    this.removes.set(rel, { type: 'remove', seq: ++this.seq, rel, eligibleAt: null });
    this.pump();
  }

  /** refuse counts a call refused at the edge (an unsafe path) as dropped, reason invalid. */
  refuse(kind: UploadKind): void {
    this.drop(kind, 'invalid');
  }

  /** close flushes (deletes no longer wait their delay) for up to `timeoutMs`, then aborts what is left; idempotent. */
  async close(timeoutMs: number): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      for (const r of this.removes.values()) r.eligibleAt = Math.min(r.eligibleAt ?? Date.now(), Date.now());
      this.pump();
    }
    if (!this.idle()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const { job, abort } of this.busy.values()) {
      abort.abort(new OriginError('ORIGIN_CLOSED', 'stream output closed', false));
      if (job.type === 'file') this.releaseFile(job);
      this.drop(job.type === 'file' ? job.kind : job.type === 'playlist' ? 'playlist' : 'delete', 'closed');
    }
    this.busy.clear();
    for (const job of this.files.values()) this.dropFile(job, 'closed');
    for (const _ of this.playlists.values()) this.drop('playlist', 'closed');
    for (const _ of this.removes.values()) this.drop('delete', 'closed');
    this.playlists.clear();
    this.removes.clear();
    this.report();
  }

  /** stats reports the queue for /api/streams. */
  stats(): QueueStats {
    let fileBusy = 0;
    for (const b of this.busy.values()) if (b.job.type === 'file') fileBusy++;
    let held = 0;
    for (const p of this.playlists.values()) if (p.deps.some((d) => this.isDropped(d))) held++;
    return {
      queue: {
        files: this.files.size + fileBusy,
        bytes: this.bytes,
        playlists: this.playlists.size,
        removes: this.removes.size,
        held,
        inFlight: this.busy.size,
      },
      ...this.tally.counts(),
      backoffUntil: this.pausedUntil > Date.now() ? this.pausedUntil : null,
    };
  }

  private idle(): boolean {
    return this.busy.size === 0 && this.files.size === 0 && this.playlists.size === 0 && this.removes.size === 0;
  }

  private isDropped(rel: string): boolean {
    return this.origin.wasDropped(rel) && !this.files.has(rel) && this.busy.get(rel)?.job.type !== 'file';
  }

  /** A playlist may go once every file it lists is up (and no longer pending), and every playlist it lists has been up once. */
  private playlistReady(p: PlaylistJob): boolean {
    for (const d of p.deps) {
      if (this.isDropped(d)) return false;
      if (this.files.has(d) || this.busy.get(d)?.job.type === 'file') return false;
      if ((this.playlists.has(d) || this.busy.has(d)) && !this.origin.has(d)) return false;
    }
    return true;
  }

  private referenced(): Set<string> {
    const out = new Set<string>();
    this.origin.addListed(out);
    for (const p of this.playlists.values()) for (const d of p.deps) out.add(d);
    for (const b of this.busy.values()) if (b.job.type === 'playlist') for (const d of b.job.deps) out.add(d);
    return out;
  }

  /** next picks the oldest job that may start now; it also arms delete delays and returns when the next one is due. */
  private next(now: number): { job: Job | null; wakeAt: number } {
    let best: Job | null = null;
    let wakeAt = Infinity;
    const older = (j: Job): void => {
      if (best === null || j.seq < best.seq) best = j;
    };
    for (const f of this.files.values()) if (f.prepared && !this.busy.has(f.rel)) older(f);
    for (const p of this.playlists.values()) {
      if (this.busy.has(p.rel) || !this.playlistReady(p)) continue;
      if (p.notBefore <= now) older(p);
      else wakeAt = Math.min(wakeAt, p.notBefore);
    }
    if (this.removes.size > 0) {
      const refs = this.referenced();
      for (const r of this.removes.values()) {
        if (this.busy.has(r.rel) || this.files.has(r.rel) || refs.has(r.rel)) continue;
        r.eligibleAt ??= this.closing ? now : now + this.opts.removeDelayMs;
        if (r.eligibleAt <= now) older(r);
        else wakeAt = Math.min(wakeAt, r.eligibleAt);
      }
    }
    return { job: best, wakeAt };
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    let wakeAt = Infinity;
    while (this.busy.size < this.opts.concurrency) {
      if (now < this.pausedUntil) {
        wakeAt = this.pausedUntil;
        break;
      }
      const pick = this.next(now);
      wakeAt = pick.wakeAt;
      if (pick.job === null) break;
      this.start(pick.job);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (wakeAt !== Infinity) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, wakeAt - now));
      this.timer.unref?.();
    }
    this.report();
    if (this.idle()) for (const w of this.drainWaiters.splice(0)) w();
  }

  private start(job: Job): void {
    if (job.type === 'file') this.files.delete(job.rel);
    else if (job.type === 'playlist') this.playlists.delete(job.rel);
    else this.removes.delete(job.rel);
    const abort = new AbortController();
    this.busy.set(job.rel, { job, abort });
    const timeout = setTimeout(
      () => abort.abort(new OriginError('ORIGIN_TIMEOUT', `no answer from the origin within ${this.opts.requestTimeoutMs} ms`, true)),
      this.opts.requestTimeoutMs,
    );
    const t0 = performance.now();
    const request =
      job.type === 'remove'
        ? this.port.delete(job.rel, abort.signal)
        : job.type === 'file'
          ? this.port.put(job.rel, { file: job.prepared as PreparedFile }, abort.signal)
          : this.commitThenPut(job, abort.signal);
    request
      .then(
        () => this.settle(job, null, (performance.now() - t0) / 1000),
        (err: unknown) => this.settle(job, abort.signal.aborted ? asOriginError(abort.signal.reason) : asOriginError(err), 0),
      )
      .finally(() => clearTimeout(timeout));
  }

  /** commitThenPut runs the write-ahead gate (when there is one) before a playlist's PUT. */
  private async commitThenPut(job: PlaylistJob, signal: AbortSignal): Promise<void> {
    if (this.port.commit) {
      let owned: boolean;
      try {
        owned = await this.port.commit(job.rel, job.text);
      } catch (err) {
        throw new OriginError('ORIGIN_COMMIT_FAILED', `playlist ${job.rel} not committed: ${asOriginError(err).message}`, true, undefined, {
          cause: err,
        });
      }
      if (!owned)
        throw new OriginError('ORIGIN_FENCED', `playlist ${job.rel} not published: this instance no longer owns the stream`, false);
    }
    await this.port.put(job.rel, { text: job.text }, signal);
  }

  /** fence drops everything: another instance owns the stream now, so nothing of this one may reach the origin. */
  private fence(): void {
    this.fenced = true;
    for (const f of [...this.files.values()]) this.dropFile(f, 'fenced');
    for (const _ of this.playlists.values()) this.drop('playlist', 'fenced');
    for (const _ of this.removes.values()) this.drop('delete', 'fenced');
    this.playlists.clear();
    this.removes.clear();
  }

  private settle(job: Job, err: OriginError | null, seconds: number): void {
    if (this.closed) return;
    this.busy.delete(job.rel);
    if (err?.code === 'ORIGIN_FENCED') {
      this.noteError(err);
      this.drop('playlist', 'fenced');
      this.fence();
      return this.pump();
    }
    if (err?.code === 'ORIGIN_COMMIT_FAILED' && job.type === 'playlist') {
      // The registry, not the origin, failed: retry this playlist later, let files flow meanwhile.
      this.noteError(err);
      job.commitFailures++;
      job.notBefore = Date.now() + backoffDelay(job.commitFailures, this.opts.backoff, this.opts.random);
      this.requeue(job);
      return this.pump();
    }
    const kind: UploadKind = job.type === 'file' ? job.kind : job.type === 'playlist' ? 'playlist' : 'delete';
    if (err === null) {
      this.failures = 0;
      this.pausedUntil = 0;
      this.observer.succeeded(kind, seconds);
      if (job.type === 'remove') {
        this.tally.deletesOk++;
        this.origin.deleted(job.rel);
      } else {
        this.tally.ok++;
        this.tally.latency.add(seconds * 1000);
        this.origin.put(job.rel, job.type === 'playlist' ? job.deps : undefined);
        if (job.type === 'file') this.releaseFile(job);
        else {
          this.tally.playlistLagMs = Date.now() - job.at;
          this.observer.visible?.(job.rel, job.text);
        }
      }
      return this.pump();
    }
    this.noteError(err);
    const retry = err.retryable && !(job.type === 'file' && job.cancelled);
    this.observer.failed(kind, retry, err);
    if (job.type === 'remove') this.tally.deletesFailed++;
    else this.tally.failed++;
    if (err.retryable) {
      this.failures++;
      this.pausedUntil = Date.now() + backoffDelay(this.failures, this.opts.backoff, this.opts.random);
    } else if (err.originStatus !== undefined) {
      this.failures = 0; // the origin answered: it is up, it just refused this request
    }
    if (retry) {
      this.tally.retried++;
      this.requeue(job);
    } else if (job.type === 'file') {
      this.dropFile(job, err.code === 'ORIGIN_FILE_MISSING' ? 'missing' : job.cancelled ? 'expired' : 'rejected');
    }
    this.pump();
  }

  /** requeue puts a failed job back unless something newer for its path arrived meanwhile. */
  private requeue(job: Job): void {
    if (job.type === 'file') {
      if (!this.files.has(job.rel)) this.files.set(job.rel, job);
      else this.releaseFile(job);
    } else if (job.type === 'playlist') {
      if (!this.playlists.has(job.rel)) this.playlists.set(job.rel, job);
    } else if (!this.removes.has(job.rel) && !this.files.has(job.rel)) {
      this.removes.set(job.rel, job);
    }
  }

  /** enforceBounds drops the oldest waiting parts, then segments (never an init: every later segment needs it). */
  private enforceBounds(): void {
    let fileBusy = 0;
    for (const b of this.busy.values()) if (b.job.type === 'file') fileBusy++;
    while (this.files.size + fileBusy > this.opts.maxFiles || this.bytes > this.opts.maxBytes) {
      let victim: FileJob | undefined;
      for (const kind of ['part', 'segment'] as const) {
        for (const f of this.files.values()) if (f.kind === kind && (victim === undefined || f.seq < victim.seq)) victim = f;
        if (victim) break;
      }
      if (!victim) return;
      this.dropFile(victim, 'overflow');
    }
  }

  private cancel(job: FileJob): void {
    job.cancelled = true;
    this.files.delete(job.rel);
    this.releaseFile(job);
  }

  private dropFile(job: FileJob, reason: DropReason): void {
    this.cancel(job);
    this.origin.drop(job.rel);
    this.drop(job.kind, reason);
  }

  private releaseFile(job: FileJob): void {
    if (job.prepared === null) return;
    this.bytes -= job.prepared.size;
    this.port.release(job.prepared);
    job.prepared = null;
  }

  private drop(kind: UploadKind, reason: DropReason): void {
    this.tally.dropped(reason);
    this.observer.dropped(kind, reason);
  }

  private noteError(err: OriginError): void {
    this.tally.error(err);
  }

  private report(): void {
    this.observer.depth(this.files.size + this.playlists.size + this.removes.size + this.busy.size, this.bytes);
  }
}

/** QueueTally counts one stream's origin outcomes for /api/streams (the Prometheus side is the observer's). */
import type { OriginError } from './origin-error.js';
import { LatencyWindow } from './latency-window.js';
import { DROP_REASONS, type DropReason, type QueueStats } from './upload-types.js';

/** QueueTally holds the counters behind QueueStats.uploads, dropped, deletes, lastError, latencyMs, playlistLagMs. */
export class QueueTally {
  ok = 0;
  failed = 0;
  retried = 0;
  deletesOk = 0;
  deletesFailed = 0;
  playlistLagMs: number | null = null;
  lastError: QueueStats['lastError'] = null;
  readonly latency = new LatencyWindow(128);
  private readonly droppedBy: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
    DropReason,
    number
  >;

  /** dropped counts one drop. */
  dropped(reason: DropReason): void {
    this.droppedBy[reason]++;
  }

  /** error remembers the latest failure. */
  error(err: OriginError): void {
    this.lastError = { code: err.code, message: err.message, at: Date.now() };
  }

  /** counts renders the tallies as the matching QueueStats fields. */
  counts(): Pick<QueueStats, 'uploads' | 'dropped' | 'deletes' | 'lastError' | 'latencyMs' | 'playlistLagMs'> {
    const dropped = DROP_REASONS.reduce((n, r) => n + this.droppedBy[r], 0);
    return {
      uploads: { ok: this.ok, failed: this.failed, retried: this.retried, dropped },
      dropped: { ...this.droppedBy },
      deletes: { ok: this.deletesOk, failed: this.deletesFailed },
      lastError: this.lastError,
      latencyMs: this.latency.summary(),
      playlistLagMs: this.playlistLagMs,
    };
  }
}

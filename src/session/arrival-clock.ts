/**
 * ArrivalClock dates each decoded frame by when its picture reached uprez, so that a backlog
 * anywhere before the upscale stage (the ingest's buffer, a decoder held back by a slow encoder)
 * makes frames late and the deadline scheduler sheds model work until the stream is live again.
 *
 * The decoder's k-th frame is the k-th picture the feed wrote to it. Its delay (decoded now, minus
 * received then) has a fixed part that no scheduling can win back (the decoder's start and probe,
 * B-frame reordering, pipe buffers): the least delay seen in the session. What is above that, less
 * `slackMs` of network and decoder jitter, is backlog, and the frame is dated that much earlier
 * than now. Without a receive time (a file or URL input) a frame arrives when it is decoded.
 */

/** Where the decoder's pictures came from: the receive time of the index-th picture written to it. */
export interface PictureArrivals {
  pictureReceivedAt(index: number): number | undefined;
}

/** Jitter tolerated before a delay counts as backlog, ms. */
export const ARRIVAL_SLACK_MS = 200;

/** ArrivalClock: see the file comment. One per decoder run (a session). */
export class ArrivalClock {
  private minDelay = Number.POSITIVE_INFINITY;
  private lastBacklog = 0;

  constructor(
    private readonly source: PictureArrivals | null,
    private readonly slackMs = ARRIVAL_SLACK_MS,
  ) {}

  /** arrivedAt dates the index-th decoded frame, decoded at `now` (same clock as the receive times). */
  arrivedAt(index: number, now: number): number {
    const received = this.source?.pictureReceivedAt(index);
    if (received === undefined || !(received <= now)) return now;
    const delay = now - received;
    if (delay < this.minDelay) this.minDelay = delay;
    this.lastBacklog = Math.max(0, delay - this.minDelay - this.slackMs);
    return now - this.lastBacklog;
  }

  /** backlogMs is the last frame's delay beyond the session's fixed part and the slack, ms. */
  get backlogMs(): number {
    return this.lastBacklog;
  }
}

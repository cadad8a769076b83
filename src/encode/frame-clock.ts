/**
 * FrameClock dates an encoder's frames for EXT-X-PROGRAM-DATE-TIME, so a playlist tells a player
 * how far behind the ingest it is. Frame n is dated `anchor + n / fps`: one straight line per
 * encoder (a player interpolates dates inside a segment, and dates that jump about within a
 * stream confuse its timeline), anchored on the earliest arrival relative to media time seen so
 * far (min over frames of arrival - n / fps). Frames that arrive late (a backlog, a stall) keep
 * their on-time date, so the delay a viewer measures includes that lateness; frames that arrive
 * in a burst (a decoder catching up at the start) pull the anchor back to the publisher's pace.
 */
export class FrameClock {
  private anchor = Number.NaN;
  private next = 0;

  constructor(private readonly fps: number) {
    if (!(fps > 0)) throw new RangeError(`fps must be > 0, got ${fps}`);
  }

  /** mark records that frame n arrived at `ms` (ms since the epoch); frames are marked in order, n = 0, 1, … */
  mark(n: number, ms: number): void {
    if (n !== this.next) throw new RangeError(`frame ${n} marked out of order (expected ${this.next})`);
    this.next++;
    const a = ms - (n * 1000) / this.fps;
    if (!(a >= this.anchor)) this.anchor = a; // also replaces the initial NaN
  }

  /** at is frame n's date (ms since the epoch), NaN before any frame was marked. */
  at(n: number): number {
    return this.anchor + (n * 1000) / this.fps;
  }
}

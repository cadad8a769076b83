/**
 * FrameClock remembers the wall-clock time of each frame an encoder was given, so a segment or
 * part can carry the time its first frame arrived (EXT-X-PROGRAM-DATE-TIME): the playlist then
 * tells a player how far behind the ingest it is. Memory is bounded: times of frames already
 * packaged are released, and at most `capacity` are kept (the oldest go first).
 */
export class FrameClock {
  private times: number[] = [];
  private base = 0;

  constructor(
    private readonly fps: number,
    private readonly capacity = 4096,
  ) {
    if (!(fps > 0)) throw new RangeError(`fps must be > 0, got ${fps}`);
  }

  /** mark records frame n's time (frames are marked in order, n = 0, 1, …). */
  mark(n: number, ms: number): void {
    if (n !== this.base + this.times.length) throw new RangeError(`frame ${n} marked out of order (expected ${this.base + this.times.length})`);
    this.times.push(ms);
    // Past the capacity, drop the older half at once (one copy now and then, not one per frame).
    if (this.times.length > this.capacity) this.release(this.base + this.times.length - Math.ceil(this.capacity / 2));
  }

  /**
   * at is frame n's time; for a frame not (or no longer) recorded, the nearest recorded one's time
   * moved by the frame interval. NaN before any frame was marked.
   */
  at(n: number): number {
    if (this.times.length === 0) return Number.NaN;
    const i = Math.min(Math.max(n - this.base, 0), this.times.length - 1);
    return (this.times[i] as number) + ((n - this.base - i) * 1000) / this.fps;
  }

  /** release forgets the times of frames before n (the newest is always kept, to count on from). */
  release(n: number): void {
    const drop = Math.min(Math.max(0, n - this.base), this.times.length - 1);
    if (drop === 0) return;
    this.times = this.times.slice(drop);
    this.base += drop;
  }
}

/** RateWindow measures events per second over a sliding window of recent timestamps (ms). */
export class RateWindow {
  private readonly times: number[] = [];
  constructor(private readonly windowMs = 5_000) {}

  /** mark records one event at `now`. */
  mark(now: number): void {
    this.times.push(now);
    this.trim(now);
  }

  /** rate is events per second over the window ending at `now`. */
  rate(now: number): number {
    this.trim(now);
    if (this.times.length < 2) return 0;
    const span = Math.max(now - (this.times[0] as number), 1);
    return ((this.times.length - 1) * 1000) / Math.min(span, this.windowMs);
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.times.length && (this.times[drop] as number) < now - this.windowMs) drop++;
    if (drop) this.times.splice(0, drop);
  }
}

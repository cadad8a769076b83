/** LatencyWindow keeps the last N samples (ms) and summarises them for /api/streams. */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;
  private last = 0;

  constructor(private readonly size: number) {}

  /** add records one sample, replacing the oldest once the window is full. */
  add(ms: number): void {
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    this.last = ms;
  }

  /** summary gives the median, the 99th percentile (nearest rank) and the latest sample, rounded to 0.1 ms; zeros when empty. */
  summary(): { p50: number; p99: number; last: number } {
    if (this.samples.length === 0) return { p50: 0, p99: 0, last: 0 };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
    const r = (v: number): number => Math.round(v * 10) / 10;
    return { p50: r(at(0.5)), p99: r(at(0.99)), last: r(this.last) };
  }
}

/** RateLimiter allows at most `limit` events per `windowMs` for each client address. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** allow records an attempt by `client` at `now` (ms) and says whether it is within the limit. */
  allow(client: string, now: number): boolean {
    const since = now - this.windowMs;
    const list = (this.hits.get(client) ?? []).filter((t) => t > since);
    const ok = list.length < this.limit;
    if (ok) list.push(now);
    this.hits.set(client, list);
    // Keep the map bounded by the number of recently active clients.
    if (this.hits.size > 10_000) {
      for (const [k, v] of this.hits) if (!v.some((t) => t > since)) this.hits.delete(k);
    }
    return ok;
  }
}

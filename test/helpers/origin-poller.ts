/**
 * OriginPoller watches a stream at the origin the way a viewer would: it polls the playlists, and
 * the moment it sees a new version it GETs every file that version lists, noting each that does
 * not answer 200. A viewer of the origin must never see one.
 */
import { playlistDeps } from '../../src/origin/playlist-refs.js';
import { renditionFromPlaylist } from '../../src/registry/continuity.js';

/** OriginPoller polls `base` (http://origin/hls/KEY/) for `playlists` until stop(). */
export class OriginPoller {
  /** Playlist versions seen, by path, in order. */
  readonly versions = new Map<string, string[]>();
  /** "PLAYLIST lists FILE: STATUS" for every listed file that was not there. */
  readonly problems: string[] = [];
  /** Files fetched successfully (stream-relative). */
  readonly fetched = new Set<string>();
  /** Playlist requests that got no whole answer (origin down, connection cut). */
  unreachable = 0;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly base: string,
    private readonly playlists: readonly string[],
    private readonly everyMs = 50,
  ) {}

  /** start begins polling. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      const until = Date.now() + 600_000; // bounded even if stop() is forgotten
      while (this.running && Date.now() < until) {
        for (const p of this.playlists) await this.check(p);
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
  }

  /** stop ends polling after the current round and one last look at every playlist. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const p of this.playlists) await this.check(p);
  }

  /** count is the number of distinct versions seen over every playlist. */
  count(): number {
    let n = 0;
    for (const v of this.versions.values()) n += v.length;
    return n;
  }

  private async check(playlist: string): Promise<void> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.base + playlist);
      text = await res.text();
    } catch {
      // The origin is down (or cut the answer short): a viewer gets nothing and retries, which
      // is not a listed file missing.
      this.unreachable++;
      return;
    }
    const seen = this.versions.get(playlist) ?? [];
    if (res.status === 404 && seen.length > 0) this.problems.push(`${playlist} disappeared after ${seen.length} versions`);
    if (res.status !== 200 || seen.at(-1) === text) return;
    seen.push(text);
    this.versions.set(playlist, seen);
    for (const dep of playlistDeps(playlist, text)) {
      try {
        const r = await fetch(this.base + dep);
        await r.arrayBuffer();
        if (r.status === 200) this.fetched.add(dep);
        else this.problems.push(`${playlist} (version ${seen.length}) lists ${dep}: ${r.status}`);
      } catch {
        // No answer at all (the origin went down after the playlist came): like a playlist
        // request that got none, not a listed file missing.
        this.unreachable++;
      }
    }
  }
}

/**
 * orderViolations checks the origin's own access log ("METHOD /hls/KEY/REL STATUS", in the order
 * nginx finished the requests): the n-th playlist version made visible (`visible`, in order) must
 * come after a successful PUT of every file it lists, with no DELETE of that file in between.
 * This does not depend on a poller catching the moment. `fromLine`: the log line where this
 * instance's PUTs start (an earlier owner's PUTs before it still count as files being there).
 */
export function orderViolations(
  accessLog: readonly string[],
  key: string,
  visible: readonly (readonly [string, string])[],
  fromLine = 0,
): string[] {
  const prefix = `/hls/${key}/`;
  const entries = accessLog
    .map((l, i) => [...l.split(' '), String(i)])
    .filter(
      (f) => f.length === 4 && (f[0] === 'PUT' || f[0] === 'DELETE') && (f[1] ?? '').startsWith(prefix) && /^20[14]$/.test(f[2] ?? ''),
    )
    .map((f) => ({ method: f[0] as string, rel: (f[1] as string).slice(prefix.length), line: Number(f[3]) }));
  const out: string[] = [];
  const nth = new Map<string, number>();
  for (const [rel, text] of visible) {
    const k = (nth.get(rel) ?? 0) + 1;
    nth.set(rel, k);
    let seen = 0;
    const at = entries.findIndex((e) => e.line >= fromLine && e.method === 'PUT' && e.rel === rel && ++seen === k);
    if (at < 0) {
      out.push(`${rel} version ${k}: no PUT in the access log`);
      continue;
    }
    for (const dep of playlistDeps(rel, text)) {
      let up = false;
      for (let i = 0; i < at; i++) {
        const e = entries[i] as { method: string; rel: string; line: number };
        if (e.rel === dep) up = e.method === 'PUT';
      }
      if (!up) out.push(`${rel} version ${k} went up before ${dep} was there`);
    }
  }
  return out;
}

/**
 * sequenceViolations checks successive versions of one media playlist against the HLS rules a
 * player relies on: the media sequence never goes back, a sequence number always names the same
 * segment, and the discontinuity sequence grows by the discontinuities that left the window.
 * Versions the poller missed in between are fine as long as the windows overlap.
 */
export function sequenceViolations(versions: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < versions.length; i++) {
    const a = renditionFromPlaylist('x.m3u8', versions[i - 1] as string);
    const b = renditionFromPlaylist('x.m3u8', versions[i] as string);
    if (!a || !b) continue;
    if (b.mediaSequence < a.mediaSequence)
      out.push(`version ${i + 1}: media sequence went back from ${a.mediaSequence} to ${b.mediaSequence}`);
    if (b.mediaSequence > a.mediaSequence + a.segments.length) continue; // no overlap to compare
    a.segments.forEach((s, j) => {
      const n = a.mediaSequence + j;
      const other = b.segments[n - b.mediaSequence];
      if (n >= b.mediaSequence && other && other.uri !== s.uri) out.push(`version ${i + 1}: sequence ${n} was ${s.uri}, is ${other.uri}`);
    });
    const left = a.segments.slice(0, Math.max(0, b.mediaSequence - a.mediaSequence)).filter((s) => s.discontinuity).length;
    if (b.discontinuitySequence !== a.discontinuitySequence + left)
      out.push(`version ${i + 1}: discontinuity sequence ${b.discontinuitySequence}, expected ${a.discontinuitySequence + left}`);
  }
  return out;
}

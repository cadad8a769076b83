import type { StreamDirectory, StreamSnapshot } from '../stream/stream-snapshot.js';

/** HistoryPoint is one sample of a stream for the dashboard's plots. */
export interface HistoryPoint {
  /** ms since epoch. */
  readonly t: number;
  /** Stage latency percentiles (ms) the snapshot reported at `t`. */
  readonly p50: number;
  readonly p99: number;
  /** Share of the frames output since the previous sample that went through the model (0..1); null when none were output. */
  readonly aiShare: number | null;
  readonly fps: number;
}

/** HistoryBody is the JSON shape of GET /api/history. */
export interface HistoryBody {
  readonly intervalMs: number;
  readonly windowMs: number;
  /** Server time of the answer (ms since epoch), to pass back as `since`. */
  readonly now: number;
  readonly streams: Readonly<Record<string, readonly HistoryPoint[]>>;
}

/** HistorySource is what the API needs from the history: points newer than `since`. */
export interface HistorySource {
  body(since?: number): HistoryBody;
}

/** StreamHistoryOptions: sampling period and how far back to keep (defaults 2 s and 10 min). */
export interface StreamHistoryOptions {
  readonly intervalMs?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
}

interface Track {
  readonly points: HistoryPoint[];
  lastOut: number;
  lastModel: number;
}

/** Streams in these states have nothing new to sample; their history stays while the API lists them. */
const DONE_STATES: ReadonlySet<StreamSnapshot['state']> = new Set(['ended', 'failed']);

/**
 * StreamHistory samples the stream directory every few seconds and keeps the last minutes per
 * stream (a bounded array each), so a dashboard opened now can plot the recent past at once.
 * start() begins sampling, close() stops it (idempotent).
 */
export class StreamHistory implements HistorySource {
  private readonly intervalMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly tracks = new Map<string, Track>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly streams: StreamDirectory,
    opts: StreamHistoryOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 2_000;
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** start samples now and then every interval; the timer does not keep the process alive. */
  start(): void {
    if (this.timer !== undefined) return;
    this.trySample();
    this.timer = setInterval(() => this.trySample(), this.intervalMs);
    this.timer.unref();
  }

  /** close stops sampling; the kept history stays readable. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** trySample samples; a directory that throws costs one point (the API answers 500 for it), never the process. */
  private trySample(): void {
    try {
      this.sample();
    } catch {
      // The next tick tries again.
    }
  }

  /** sample takes one point per live stream and forgets streams the directory no longer lists. */
  sample(): void {
    const t = this.now();
    const listed = this.streams.list();
    const keys = new Set(listed.map((s) => s.key));
    for (const key of this.tracks.keys()) if (!keys.has(key)) this.tracks.delete(key);
    for (const s of listed) {
      let track = this.tracks.get(s.key);
      if (DONE_STATES.has(s.state) && track !== undefined) continue;
      const dOut = s.frames.out - (track?.lastOut ?? 0);
      const dModel = s.frames.model - (track?.lastModel ?? 0);
      // The first point of a stream covers everything so far; later ones only the last interval.
      const aiShare = dOut > 0 ? Math.min(1, Math.max(0, dModel / dOut)) : null;
      if (track === undefined) {
        track = { points: [], lastOut: 0, lastModel: 0 };
        this.tracks.set(s.key, track);
      }
      track.lastOut = s.frames.out;
      track.lastModel = s.frames.model;
      track.points.push({ t, p50: s.latencyMs.p50, p99: s.latencyMs.p99, aiShare, fps: s.outputFps });
      const oldest = t - this.windowMs;
      let drop = 0;
      while (drop < track.points.length && (track.points[drop] as HistoryPoint).t < oldest) drop++;
      if (drop > 0) track.points.splice(0, drop);
    }
  }

  /** body returns every stream's points newer than `since` (all kept points without it). */
  body(since?: number): HistoryBody {
    const streams: Record<string, readonly HistoryPoint[]> = {};
    for (const [key, track] of this.tracks) {
      streams[key] = since === undefined ? [...track.points] : track.points.filter((p) => p.t > since);
    }
    return { intervalMs: this.intervalMs, windowMs: this.windowMs, now: this.now(), streams };
  }
}

/**
 * RungPlaylist is one rung's media playlist over a stream run's life: the sliding window of
 * segments with their media and discontinuity sequence numbers, the LL-HLS parts at the live
 * edge, and which files may be deleted once they are far enough behind.
 */
import path from 'node:path';
import { peakSegmentBitrate, type SegmentSize } from './bandwidth.js';
import type { LowLatencyModel, MediaPlaylistModel, PartEntry, SegmentEntry } from './playlist-model.js';

/** CarriedWindow is a predecessor's visible window of one rendition (another instance owned the stream). */
export interface CarriedWindow {
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly targetDuration: number;
  readonly segments: readonly {
    readonly uri: string;
    readonly duration: number;
    readonly discontinuity: boolean;
    readonly map: string | null;
    readonly programDateTime?: number;
  }[];
}

/** A published part with the file behind it. */
export interface PartRecord extends PartEntry {
  /** Path relative to the stream directory. */
  readonly rel: string;
  readonly bytes: number;
}

/** RungPlaylistOptions fix a rung's playlist for the stream's life. */
export interface RungPlaylistOptions {
  readonly name: string;
  readonly targetDuration: number;
  /** Segments listed in the live window. */
  readonly listSize: number;
  /** LL-HLS: part target and hold-back, seconds; absent for classic playlists. */
  readonly lowLatency?: { readonly partTarget: number; readonly partHoldBack: number };
}

/** The most a segment's PROGRAM-DATE-TIME may fall inside the previous segment (sub-second: RFC 8216 6.2.1). */
export const MAX_DATE_OVERLAP_MS = 900;

/** Segments of parts kept listed behind the pending one (hls-parser's and RFC 8216bis' 3 target durations). */
const PART_SEGMENTS = 2;

interface Pending {
  parts: PartRecord[];
  programDateTime: number;
  discontinuity: boolean;
  map?: string;
}

/** RungPlaylist keeps one rung's playlist state; every change returns what became removable. */
export class RungPlaylist {
  private readonly segments: (SegmentEntry & { rel: string; partRels: string[] })[] = [];
  private mediaSequence = 0;
  private discontinuitySequence = 0;
  private nextMsnValue = 0;
  private pending: Pending | null = null;
  private discontinuityNext = false;
  private mapUri: string | undefined;
  private hint: string | null = null;
  private ended = false;
  /** The newest segments' sizes (enough for the peak's 1.5 target durations), and running totals. */
  private readonly recent: SegmentSize[] = [];
  private totalBytes = 0;
  private totalSeconds = 0;
  private peak = 0;
  /** Files that left the window, deleted once the window has moved on by as much again. */
  private readonly leaving: { msn: number; rels: string[] }[] = [];

  constructor(readonly opts: RungPlaylistOptions) {}

  /** nextMsn is the media sequence number the next segment gets. */
  get nextMsn(): number {
    return this.nextMsnValue;
  }

  /** hasContent says whether anything (a segment or a part) is listed yet. */
  get hasContent(): boolean {
    return this.segments.length > 0 || (this.pending?.parts.length ?? 0) > 0;
  }

  /** measuredPeak is RFC 8216's peak segment bit rate over every segment so far. */
  get measuredPeak(): number {
    return this.peak;
  }

  /** measuredAverage is the average segment bit rate of every segment so far (0 before the first). */
  get measuredAverage(): number {
    return this.totalSeconds > 0 ? Math.ceil((this.totalBytes * 8) / this.totalSeconds) : 0;
  }

  /**
   * carry starts the playlist from a predecessor's window (the stream moved here from a dead
   * instance): the same media and discontinuity sequence numbers, its segments listed first (their
   * files stay where they are; `rung` resolves them for deletion once the window moves past),
   * then a DISCONTINUITY before this run's first segment.
   */
  carry(w: CarriedWindow, rung: string): void {
    if (this.segments.length || this.pending) return;
    this.mediaSequence = w.mediaSequence;
    this.discontinuitySequence = w.discontinuitySequence;
    // Segments without a date are dated back from now (the window ended about now).
    let t = Date.now() - w.segments.reduce((n, s) => n + s.duration * 1000, 0);
    w.segments.forEach((s, i) => {
      const date = s.programDateTime ?? t;
      t = date + s.duration * 1000;
      const rel = path.posix.normalize(path.posix.join(rung, s.uri));
      this.segments.push({
        msn: w.mediaSequence + i,
        uri: s.uri,
        rel: rel.startsWith('..') || path.posix.isAbsolute(rel) ? '' : rel,
        duration: s.duration,
        bytes: 0,
        programDateTime: date,
        discontinuity: s.discontinuity,
        ...(s.map !== null ? { map: s.map } : {}),
        partRels: [],
      });
    });
    this.nextMsnValue = w.mediaSequence + w.segments.length;
    this.discontinuityNext = w.segments.length > 0;
  }

  /** newSession: the next segment follows an encoder restart or reconnect (DISCONTINUITY), with `map` as its init section. */
  newSession(discontinuity: boolean, map?: string): void {
    this.discontinuityNext = discontinuity || this.discontinuityNext;
    this.mapUri = map;
  }

  /** setPreloadHint names the next part (LL-HLS). */
  setPreloadHint(uri: string | null): void {
    this.hint = uri;
  }

  /**
   * dateOf is the PROGRAM-DATE-TIME a segment starting now gets: the date of its first frame (see
   * FrameClock), overlapping the previous segment by less than MAX_DATE_OVERLAP_MS at most. An
   * encoder's dates move back only while its clock learns the publisher's pace (a decoder's
   * catch-up burst at the start); RFC 8216 6.2.1 allows sub-second overlaps for such drift, and
   * the clock converges within a few segments.
   */
  private dateOf(date: number): number {
    const prev = this.segments[this.segments.length - 1];
    return prev ? Math.max(date, prev.programDateTime + prev.duration * 1000 - MAX_DATE_OVERLAP_MS) : date;
  }

  /** addPart lists a part of the segment being written (LL-HLS). */
  addPart(part: PartRecord, programDateTime: number): void {
    if (!this.pending) {
      this.pending = {
        parts: [],
        programDateTime: this.dateOf(programDateTime),
        discontinuity: this.discontinuityNext,
        ...(this.mapUri !== undefined ? { map: this.mapUri } : {}),
      };
      this.discontinuityNext = false;
    }
    this.pending.parts.push(part);
  }

  /** pendingParts is the number of parts of the segment being written. */
  get pendingParts(): number {
    return this.pending?.parts.length ?? 0;
  }

  /**
   * addSegment appends a complete segment (its parts, in LL-HLS, are the pending ones) and slides
   * the window. Returns the files that may now be deleted.
   */
  addSegment(seg: { uri: string; rel: string; duration: number; bytes: number; programDateTime?: number; gap?: boolean }): {
    msn: number;
    removable: string[];
  } {
    const pending = this.pending;
    this.pending = null;
    const msn = this.nextMsnValue++;
    const entry = {
      msn,
      uri: seg.uri,
      rel: seg.rel,
      duration: seg.duration,
      bytes: seg.bytes,
      programDateTime: pending?.programDateTime ?? this.dateOf(seg.programDateTime ?? Date.now()),
      discontinuity: pending?.discontinuity ?? this.discontinuityNext,
      ...((pending?.map ?? this.mapUri) !== undefined ? { map: (pending?.map ?? this.mapUri) as string } : {}),
      ...(pending ? { parts: pending.parts.map(({ uri, duration, independent }) => ({ uri, duration, independent })) } : {}),
      ...(seg.gap ? { gap: true } : {}),
      partRels: pending?.parts.map((p) => p.rel) ?? [],
    };
    if (!pending) this.discontinuityNext = false;
    this.segments.push(entry);
    if (!seg.gap) this.measure({ bytes: seg.bytes, duration: seg.duration });
    while (this.segments.length > this.opts.listSize) {
      const old = this.segments.shift() as (typeof this.segments)[number];
      if (old.discontinuity) this.discontinuitySequence++;
      this.mediaSequence = old.msn + 1;
      this.leaving.push({ msn: old.msn, rels: [old.rel, ...old.partRels].filter((r) => r !== '') });
    }
    // A segment stays downloadable for the window's length again after it left the playlist
    // (RFC 8216 6.2.2: its availability duration), parts for as long as their segment.
    const removable: string[] = [];
    while (this.leaving.length && (this.leaving[0] as { msn: number }).msn < msn - 2 * this.opts.listSize) {
      removable.push(...(this.leaving.shift() as { rels: string[] }).rels);
    }
    return { msn, removable };
  }

  /** end marks the playlist ended (ENDLIST); a pending LL segment must have been completed first. */
  end(): void {
    this.ended = true;
    this.hint = null;
  }

  /** model is the playlist to render now. */
  model(): MediaPlaylistModel {
    const ll = this.opts.lowLatency;
    const lowLatency: LowLatencyModel | undefined = ll
      ? {
          partTarget: ll.partTarget,
          partHoldBack: ll.partHoldBack,
          pending:
            this.pending && this.pending.parts.length
              ? { ...this.pending, parts: this.pending.parts.map(({ uri, duration, independent }) => ({ uri, duration, independent })) }
              : null,
          preloadHint: this.hint,
          partSegments: PART_SEGMENTS,
        }
      : undefined;
    return {
      targetDuration: this.opts.targetDuration,
      mediaSequence: this.mediaSequence,
      discontinuitySequence: this.discontinuitySequence,
      segments: this.segments.map(({ rel: _r, partRels: _p, ...s }) => s),
      ...(lowLatency ? { lowLatency } : {}),
      endList: this.ended,
    };
  }

  /** Updates the measured peak with the runs ending at the newest segment (O(window)). */
  private measure(s: SegmentSize): void {
    this.totalBytes += s.bytes;
    this.totalSeconds += s.duration;
    this.recent.push(s);
    // Runs longer than 1.5 target durations do not count: older segments can go.
    let d = 0;
    let keep = 0;
    for (let i = this.recent.length - 1; i >= 0 && d <= 1.5 * this.opts.targetDuration; i--, keep++)
      d += (this.recent[i] as SegmentSize).duration;
    this.recent.splice(0, this.recent.length - keep);
    // Only runs that end at the newest segment are new; the peak over the recent ones covers them.
    this.peak = Math.max(this.peak, peakSegmentBitrate(this.recent, this.opts.targetDuration));
  }
}

/**
 * The continuity record: what a successor instance needs to continue a stream's playlists at the
 * origin after the previous owner died. It is the window each media playlist showed at the origin
 * when last made visible there, with its sequence numbers, so the successor starts its playlists
 * with the same segments, then #EXT-X-DISCONTINUITY, then its own. Pure functions only.
 */
import { UprezError } from '../errors.js';
import { isSafeRelPath, resolveRef } from '../origin/playlist-refs.js';

/** ContinuitySegment is one segment of a visible window, its URI as the playlist wrote it. */
export interface ContinuitySegment {
  readonly uri: string;
  /** EXTINF, seconds. */
  readonly duration: number;
  /** #EXT-X-DISCONTINUITY before this segment. */
  readonly discontinuity: boolean;
  /** URI of the EXT-X-MAP in force for this segment (fMP4), or null. */
  readonly map: string | null;
  /** Its EXT-X-PROGRAM-DATE-TIME (ms since the epoch), when the playlist gave one. */
  readonly programDateTime?: number;
}

/** RenditionContinuity is one media playlist as the origin last showed it. */
export interface RenditionContinuity {
  /** Stream-relative playlist path, e.g. "720p/index.m3u8". */
  readonly playlist: string;
  readonly targetDuration: number;
  /** EXT-X-MEDIA-SEQUENCE: the first listed segment's number. */
  readonly mediaSequence: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE. */
  readonly discontinuitySequence: number;
  /** The window, oldest first. */
  readonly segments: readonly ContinuitySegment[];
  /** Parts and preload hints are not carried: a successor starts at a segment boundary. */
  readonly endList: boolean;
}

/** ContinuityState is the whole record for one key. */
export interface ContinuityState {
  readonly v: 1;
  readonly key: string;
  /** Lease epoch of the instance that wrote it (fencing: a save with an older lease is refused). */
  readonly epoch: number;
  /** Instance id of the writer. */
  readonly instance: string;
  /** ms since epoch. */
  readonly updatedAt: number;
  /** The master playlist text as visible at the origin, or null. */
  readonly master: string | null;
  /** By playlist path. */
  readonly renditions: Readonly<Record<string, RenditionContinuity>>;
  /**
   * Stream-relative paths of the latest segments that left a window (newest last, at most
   * RETIRED_KEPT): the owner may not have deleted them at the origin before it died, so a
   * successor removes them (HlsOutput.remove) once it has taken over.
   */
  readonly retired: readonly string[];
}

/** RETIRED_KEPT bounds ContinuityState.retired. */
export const RETIRED_KEPT = 256;

/** StreamContinuity is how the HLS writer reads and writes the record (bound to the stream's lease when saving). */
export interface StreamContinuity {
  /** load returns the key's record, or null when there is none (a new stream). */
  load(key: string): Promise<ContinuityState | null>;
  /** save stores the record; rejects REGISTRY_FENCED when this instance no longer owns the key. */
  save(key: string, state: ContinuityState): Promise<void>;
}

/** isMasterPlaylist: a master lists variants (EXT-X-STREAM-INF), a media playlist lists segments. */
export function isMasterPlaylist(text: string): boolean {
  return /^#EXT-X-STREAM-INF:/m.test(text);
}

/** renditionFromPlaylist reads a media playlist's window and sequence numbers (null for a master playlist). */
export function renditionFromPlaylist(playlist: string, text: string): RenditionContinuity | null {
  if (isMasterPlaylist(text)) return null;
  let targetDuration = 0;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let endList = false;
  let map: string | null = null;
  let duration: number | null = null;
  let discontinuity = false;
  let date: number | null = null;
  const segments: ContinuitySegment[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const value = line.slice(line.indexOf(':') + 1);
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(value) || 0;
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(value) || 0;
    else if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) discontinuitySequence = Number(value) || 0;
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line === '#EXT-X-ENDLIST') endList = true;
    else if (line.startsWith('#EXT-X-MAP:')) map = /(?:^|,)URI="([^"]*)"/.exec(value)?.[1] ?? null;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = Date.parse(value);
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(value);
    else if (!line.startsWith('#') && duration !== null) {
      segments.push({
        uri: line,
        duration: Number.isFinite(duration) ? duration : 0,
        discontinuity,
        map,
        ...(date !== null && Number.isFinite(date) ? { programDateTime: date } : {}),
      });
      duration = null;
      discontinuity = false;
      date = null;
    }
  }
  return { playlist, targetDuration, mediaSequence, discontinuitySequence, segments, endList };
}

/** ContinuationStart is where a successor's playlist for one rendition begins. */
export interface ContinuationStart {
  /** EXT-X-MEDIA-SEQUENCE of the successor's first playlist (the carried window's first segment). */
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  /** Media sequence number of the successor's first own segment. */
  readonly nextSequence: number;
  /** Lines for the carried segments (with their DISCONTINUITY and MAP tags), ending with the #EXT-X-DISCONTINUITY before the successor's own segments. */
  readonly carriedLines: readonly string[];
  /** Stream-relative paths of the carried segments (the successor removes them as its window moves past them). */
  readonly carriedFiles: readonly string[];
  /** Target duration the successor must not go below (EXT-X-TARGETDURATION may not shrink). */
  readonly targetDuration: number;
}

/**
 * continuationOf tells a successor how to continue a rendition: same media and discontinuity
 * sequence numbers, the predecessor's window listed first, then a discontinuity. When the
 * successor's window later drops a carried segment that starts with a discontinuity, it adds one
 * to its discontinuity sequence, as for any segment.
 */
export function continuationOf(r: RenditionContinuity): ContinuationStart {
  const lines: string[] = [];
  let map: string | null = null;
  for (const s of r.segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.map !== null && s.map !== map) lines.push(`#EXT-X-MAP:URI="${s.map}"`);
    map = s.map;
    lines.push(`#EXTINF:${s.duration.toFixed(3)},`, s.uri);
  }
  if (r.segments.length > 0) lines.push('#EXT-X-DISCONTINUITY');
  const files = r.segments.map((s) => resolveRef(r.playlist, s.uri)).filter((p): p is string => p !== null);
  return {
    mediaSequence: r.mediaSequence,
    discontinuitySequence: r.discontinuitySequence,
    nextSequence: r.mediaSequence + r.segments.length,
    carriedLines: lines,
    carriedFiles: files,
    targetDuration: r.targetDuration,
  };
}

function bad(why: string): UprezError {
  return new UprezError('REGISTRY_BAD_RECORD', `continuity record ${why}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** parseContinuity validates a stored record (untrusted: another version or a person may have written it). */
export function parseContinuity(json: string, key: string): ContinuityState {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw bad('is not JSON');
  }
  const o = v as Partial<ContinuityState> | null;
  if (typeof o !== 'object' || o === null || o.v !== 1) throw bad('has an unknown version');
  if (o.key !== key) throw bad(`is for key ${JSON.stringify(o.key)}, not ${key}`);
  if (!isInt(o.epoch) || typeof o.instance !== 'string' || !isInt(o.updatedAt)) throw bad('has a bad epoch, instance or time');
  if (o.master !== null && typeof o.master !== 'string') throw bad('has a bad master playlist');
  if (typeof o.renditions !== 'object' || o.renditions === null) throw bad('has no renditions');
  if (!Array.isArray(o.retired) || o.retired.length > RETIRED_KEPT || !o.retired.every((p) => typeof p === 'string' && isSafeRelPath(p)))
    throw bad('has a bad retired list');
  for (const [name, r] of Object.entries(o.renditions)) {
    const ok =
      r !== null &&
      typeof r === 'object' &&
      r.playlist === name &&
      isInt(r.mediaSequence) &&
      isInt(r.discontinuitySequence) &&
      typeof r.targetDuration === 'number' &&
      typeof r.endList === 'boolean' &&
      Array.isArray(r.segments) &&
      r.segments.every(
        (s) =>
          typeof s?.uri === 'string' &&
          !/[\r\n]/.test(s.uri) &&
          typeof s.duration === 'number' &&
          typeof s.discontinuity === 'boolean' &&
          (s.map === null || (typeof s.map === 'string' && !/["\r\n]/.test(s.map))) &&
          (s.programDateTime === undefined || isInt(s.programDateTime)),
      );
    if (!ok) throw bad(`has a bad rendition ${JSON.stringify(name)}`);
  }
  return o as ContinuityState;
}

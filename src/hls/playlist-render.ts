/**
 * Playlist text from playlist-model values: pure, so every rule of RFC 8216 (and 8216bis for
 * LL-HLS) uprez relies on is table-tested in playlist-render.test.ts.
 */
import type { MediaPlaylistModel, PartEntry, PendingSegment, SegmentEntry, VariantEntry } from './playlist-model.js';

/** A playlist quoted-string attribute may not hold '"', CR or LF (RFC 8216 4.2). */
function quoted(s: string): string {
  if (/["\r\n]/.test(s)) throw new RangeError(`HLS attribute value may not contain quotes or line breaks: ${JSON.stringify(s)}`);
  return `"${s}"`;
}

/** seconds renders a duration as HLS decimal-floating-point (up to 5 decimals, no exponent). */
export function seconds(x: number): string {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`invalid duration ${x}`);
  return x.toFixed(5).replace(/\.?0+$/, '') || '0';
}

/** dateTime renders ms since the epoch as an ISO 8601 date-time with milliseconds and Z. */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** mediaPlaylistVersion is the lowest EXT-X-VERSION the rendered tags need: 3 (float EXTINF), 6 with EXT-X-MAP, 8 with EXT-X-GAP. */
export function mediaPlaylistVersion(m: MediaPlaylistModel): number {
  const hasMap = m.segments.some((s) => s.map !== undefined) || m.lowLatency?.pending?.map !== undefined;
  if (m.segments.some((s) => s.gap)) return 8;
  return hasMap ? 6 : 3;
}

function partLine(p: PartEntry): string {
  return `#EXT-X-PART:DURATION=${seconds(p.duration)},URI=${quoted(p.uri)}${p.independent ? ',INDEPENDENT=YES' : ''}`;
}

/**
 * segmentHead renders the tags before a segment's parts and URI: DISCONTINUITY, MAP (on the first
 * listed segment and whenever the init section changes), PROGRAM-DATE-TIME (on every segment).
 */
function segmentHead(s: SegmentEntry | PendingSegment, prevMap: string | undefined, first: boolean): string[] {
  const out: string[] = [];
  if (s.discontinuity) out.push('#EXT-X-DISCONTINUITY');
  if (s.map !== undefined && (first || s.map !== prevMap)) out.push(`#EXT-X-MAP:URI=${quoted(s.map)}`);
  out.push(`#EXT-X-PROGRAM-DATE-TIME:${dateTime(s.programDateTime)}`);
  return out;
}

/**
 * renderMediaPlaylist renders a media playlist. A live one has no PLAYLIST-TYPE (RFC 8216 6.2.2)
 * and always carries MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE; an ended one adds ENDLIST and
 * drops what only a live edge needs (parts, the preload hint).
 */
export function renderMediaPlaylist(m: MediaPlaylistModel): string {
  const ll = m.lowLatency;
  if (!Number.isInteger(m.targetDuration) || m.targetDuration < 1)
    throw new RangeError(`target duration must be a whole number >= 1, got ${m.targetDuration}`);
  for (const s of m.segments) {
    if (Math.round(s.duration) > m.targetDuration)
      throw new RangeError(`segment ${s.msn} lasts ${s.duration} s, more than the target duration ${m.targetDuration}`);
  }
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${mediaPlaylistVersion(m)}`, `#EXT-X-TARGETDURATION:${m.targetDuration}`];
  if (ll) {
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(ll.partHoldBack)}`);
    lines.push(`#EXT-X-PART-INF:PART-TARGET=${seconds(ll.partTarget)}`);
  }
  lines.push(
    `#EXT-X-MEDIA-SEQUENCE:${m.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${m.discontinuitySequence}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  );
  const live = ll && !m.endList;
  const partsFrom = live ? m.segments.length - ll.partSegments : Infinity;
  let map: string | undefined;
  m.segments.forEach((s, i) => {
    lines.push(...segmentHead(s, map, i === 0));
    map = s.map ?? map;
    if (i >= partsFrom) for (const p of s.parts ?? []) lines.push(partLine(p));
    if (s.gap) lines.push('#EXT-X-GAP');
    lines.push(`#EXTINF:${seconds(s.duration)},`, s.uri);
  });
  if (live) {
    const pending = ll.pending;
    if (pending && pending.parts.length > 0) {
      lines.push(...segmentHead(pending, map, m.segments.length === 0));
      for (const p of pending.parts) lines.push(partLine(p));
    }
    if (ll.preloadHint !== null) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI=${quoted(ll.preloadHint)}`);
  }
  if (m.endList) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** renderMasterPlaylist renders the multivariant playlist, variants in the order given. */
export function renderMasterPlaylist(variants: readonly VariantEntry[]): string {
  if (variants.length === 0) throw new RangeError('a master playlist needs at least one variant');
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    if (!(v.bandwidth >= 1 && Number.isInteger(v.bandwidth)))
      throw new RangeError(`BANDWIDTH must be a positive whole number, got ${v.bandwidth}`);
    const attrs = [
      `BANDWIDTH=${v.bandwidth}`,
      `AVERAGE-BANDWIDTH=${Math.min(v.averageBandwidth, v.bandwidth)}`,
      `CODECS=${quoted(v.codecs.join(','))}`,
      `RESOLUTION=${v.width}x${v.height}`,
      `FRAME-RATE=${v.frameRate.toFixed(3)}`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}

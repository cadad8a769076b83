/**
 * Where a live media playlist stands (its last segment and part), and what a blocking playlist
 * reload (RFC 8216bis 6.2.5.2: _HLS_msn, _HLS_part) asking for a later one should get. Pure.
 */

/** PlaylistPosition is what blocking reload decisions read from a media playlist. */
export interface PlaylistPosition {
  /** EXT-X-SERVER-CONTROL has CAN-BLOCK-RELOAD=YES. */
  readonly canBlock: boolean;
  readonly ended: boolean;
  readonly targetDuration: number;
  /** PART-TARGET, seconds, or null without parts. */
  readonly partTarget: number | null;
  /** MSN of the last complete segment, or mediaSequence - 1 when none is listed. */
  readonly lastSegment: number;
  /** Parts listed for each segment that lists any (the pending segment, lastSegment + 1, included). */
  readonly parts: ReadonlyMap<number, number>;
  /** URI of the EXT-X-PRELOAD-HINT TYPE=PART, or null. */
  readonly preloadHint: string | null;
}

/** readPosition reads a media playlist's position (tolerant: unknown lines are skipped). */
export function readPosition(text: string): PlaylistPosition {
  let mediaSequence = 0;
  let targetDuration = 0;
  let partTarget: number | null = null;
  let canBlock = false;
  let ended = false;
  let preloadHint: string | null = null;
  let segments = 0;
  let partsHere = 0;
  const counts: number[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22)) || 0;
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22)) || 0;
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) canBlock = /(?:^|[:,])CAN-BLOCK-RELOAD=YES(?:,|$)/.test(line);
    else if (line.startsWith('#EXT-X-PART-INF:')) partTarget = Number(/PART-TARGET=([\d.]+)/.exec(line)?.[1]) || null;
    else if (line.startsWith('#EXT-X-PART:')) partsHere++;
    else if (line.startsWith('#EXT-X-PRELOAD-HINT:') && /TYPE=PART/.test(line)) preloadHint = /URI="([^"]*)"/.exec(line)?.[1] ?? null;
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (!line.startsWith('#')) {
      counts.push(partsHere);
      partsHere = 0;
      segments++;
    }
  }
  const lastSegment = mediaSequence + segments - 1;
  const parts = new Map<number, number>();
  counts.forEach((n, i) => {
    if (n > 0) parts.set(mediaSequence + i, n);
  });
  if (partsHere > 0) parts.set(lastSegment + 1, partsHere);
  return { canBlock, ended, targetDuration, partTarget, lastSegment, parts, preloadHint };
}

/** BlockingDecision says whether a blocking reload can be answered now, must wait, or asks too far ahead. */
export type BlockingDecision = 'ready' | 'wait' | 'too-far';

/**
 * blockingDecision applies RFC 8216bis 6.2.5.2 to a request for segment `msn` (and part `part`):
 * ready once the playlist holds that segment (complete) or that part, a part index past a
 * finished segment's last meaning part 0 of the next; too far when msn is beyond the last
 * segment + 2, or the part beyond the last part by more than the Advance Part Limit (3 / PART-TARGET
 * parts under a second, else 3). A playlist that cannot block or has ended is always ready.
 */
export function blockingDecision(p: PlaylistPosition, msn: number, part: number | null): BlockingDecision {
  if (!p.canBlock || p.ended) return 'ready';
  if (msn > p.lastSegment + 2) return 'too-far';
  const pending = p.lastSegment + 1;
  const pendingParts = p.parts.get(pending) ?? 0;
  if (part === null) return msn <= p.lastSegment ? 'ready' : 'wait';
  if (msn <= p.lastSegment) {
    const count = p.parts.get(msn);
    // A finished segment with fewer parts than asked: the request is for part 0 of the next one.
    return count !== undefined && part >= count ? blockingDecision(p, msn + 1, 0) : 'ready';
  }
  if (p.partTarget !== null) {
    const perSegment = Math.max(1, Math.ceil(p.targetDuration / p.partTarget));
    const ahead = (msn - pending) * perSegment + part - (pendingParts - 1);
    const limit = p.partTarget < 1 ? 3 / p.partTarget : 3;
    if (ahead > limit) return 'too-far';
  }
  if (msn === pending) return pendingParts > part ? 'ready' : 'wait';
  return 'wait';
}

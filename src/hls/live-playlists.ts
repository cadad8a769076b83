/**
 * Live playlist upkeep that ffmpeg's HLS muxer does not do for us: writing #EXT-X-ENDLIST only
 * when a stream really ends (a live encoder runs with omit_endlist, because it also stops when its
 * publisher drops or it is restarted), and removing segment files that no playlist lists any more
 * (ffmpeg's delete_segments forgets the ones listed by a playlist it appended to).
 */
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseMediaPlaylist } from './media-playlist.js';

/** Segment file names the encoder writes: seg_00042.ts (and ffmpeg's seg_00042.ts.tmp while open). */
const SEGMENT_RE = /^seg_(\d+)\.ts$/;

/**
 * appendEndList ends a media playlist with #EXT-X-ENDLIST (atomically: temp file + rename), unless
 * it already has one or does not exist. Call only once the ffmpeg writing it has exited. Returns
 * whether the playlist was changed.
 */
export function appendEndList(playlist: string): boolean {
  let text: string;
  try {
    text = readFileSync(playlist, 'utf8');
  } catch {
    return false;
  }
  if (parseMediaPlaylist(text).endList) return false;
  const tmp = `${playlist}.endlist.tmp`;
  writeFileSync(tmp, `${text.endsWith('\n') ? text : `${text}\n`}#EXT-X-ENDLIST\n`);
  renameSync(tmp, playlist);
  return true;
}

/**
 * lastSequence is the media sequence number of the last segment a playlist lists, or -1 when it
 * lists none or cannot be read.
 */
export function lastSequence(playlist: string): number {
  try {
    const segs = parseMediaPlaylist(readFileSync(playlist, 'utf8')).segments;
    return segs.length ? (segs[segs.length - 1] as { sequence: number }).sequence : -1;
  } catch {
    return -1;
  }
}

/**
 * sweepSegments deletes the segment files in `dir` numbered below the first one the playlist still
 * lists, keeping `keepBehind` of them for players that fetched the playlist just before it moved
 * on (the HLS spec asks for at least one). Returns the number of files removed. A missing or
 * empty playlist removes nothing.
 */
export function sweepSegments(dir: string, playlist: string, keepBehind = 2): number {
  let first: number;
  try {
    const segs = parseMediaPlaylist(readFileSync(playlist, 'utf8')).segments;
    if (!segs.length) return 0;
    first = (segs[0] as { sequence: number }).sequence;
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name);
    if (!m || Number(m[1]) >= first - keepBehind) continue;
    rmSync(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/**
 * File names of a stream's HLS output. Every media file uprez publishes live carries the stream
 * run's random id, so its URI is unique for its content (a republish of the key never reuses a
 * URI, and caches may keep media files forever); playlists keep fixed names and are never cached.
 */
import { randomBytes } from 'node:crypto';

/** The public playlists of a stream directory. */
export const MASTER_PLAYLIST = 'master.m3u8';
/** A rung's media playlist: `<rung>/index.m3u8`. */
export const MEDIA_PLAYLIST = 'index.m3u8';
/**
 * ffmpeg's own media playlist in classic mode: the writer reads it to learn of finished segments.
 * Its extension is no HLS file type, so the HTTP route never serves it.
 */
export const PRIVATE_PLAYLIST = 'ffmpeg.m3u8.private';

/** A run id: a letter then nine base-36 characters (about 46 random bits). */
const RUN_ID = /^[a-z][a-z0-9]{9}$/;

/**
 * IMMUTABLE_MEDIA_NAME matches the media files a stream run writes (segments, parts, init
 * sections), whose content never changes under their name: `<run id>[s<session>]_...`.
 */
export const IMMUTABLE_MEDIA_NAME = /^[a-z][a-z0-9]{9}(?:s\d{1,6})?_[A-Za-z0-9_.-]{1,100}\.(?:ts|m4s|mp4)$/;

/** newRunId draws a random run id. */
export function newRunId(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(10);
  let id = letters[(bytes[0] as number) % 26] as string;
  for (let i = 1; i < 10; i++) id += digits[(bytes[i] as number) % 36];
  return id;
}

/** checkRunId throws unless `id` has the form newRunId gives. */
export function checkRunId(id: string): string {
  if (!RUN_ID.test(id)) throw new RangeError(`run id must match ${RUN_ID}, got ${JSON.stringify(id)}`);
  return id;
}

/** classicSegmentPattern is ffmpeg's -hls_segment_filename base name for a session: `<run>s<n>_%05d.ts`. */
export function classicSegmentPattern(runId: string, session: number): string {
  return `${runId}s${session}_%05d.ts`;
}

/** llSegmentName names an LL-HLS segment by its media sequence number. */
export function llSegmentName(runId: string, msn: number): string {
  return `${runId}_${String(msn).padStart(5, '0')}.m4s`;
}

/**
 * llPartName names an LL-HLS part by a counter that runs on across segments and sessions, so the
 * preload hint (the next part) is right before anyone knows whether that part starts a segment.
 */
export function llPartName(runId: string, part: number): string {
  return `${runId}_p${String(part).padStart(6, '0')}.m4s`;
}

/** llInitName names a session's initialization section. */
export function llInitName(runId: string, session: number): string {
  return `${runId}s${session}_init.mp4`;
}

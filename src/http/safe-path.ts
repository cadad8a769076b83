import { isValidStreamKey } from '../media/stream-key.js';

/** What an HLS file is, which decides its Content-Type and caching. */
export type HlsFileKind = 'playlist' | 'segment' | 'init';

/** The file types /hls serves, by extension. */
export const HLS_FILE_TYPES: Readonly<Record<string, { readonly contentType: string; readonly kind: HlsFileKind }>> = {
  '.m3u8': { contentType: 'application/vnd.apple.mpegurl', kind: 'playlist' },
  '.ts': { contentType: 'video/mp2t', kind: 'segment' },
  '.m4s': { contentType: 'video/iso.segment', kind: 'segment' },
  // fMP4 init sections keep one name (init.mp4) for a stream's whole life, so they are not
  // treated as immutable segments: a republished key may change resolution or codec.
  '.mp4': { contentType: 'video/mp4', kind: 'init' },
  // WebVTT subtitle renditions of file jobs' VOD output (see /vod); one name per track, revalidated.
  '.vtt': { contentType: 'text/vtt; charset=utf-8', kind: 'init' },
};

/** Every path segment below the stream key: plain names, no leading dot, no "..". */
const SEGMENT_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** Deepest path below the key (e.g. KEY/720p/seg_00001.ts is 2). */
export const MAX_HLS_DEPTH = 4;

/** A request path that names a servable HLS file. */
export interface HlsPath {
  readonly ok: true;
  readonly key: string;
  /** Segments below the key, the last one being the file name. */
  readonly segments: readonly string[];
  readonly contentType: string;
  readonly kind: HlsFileKind;
}

/** A request path refused before touching the file system, with the status to answer. */
export interface HlsPathRefusal {
  readonly ok: false;
  readonly status: 400 | 404;
  readonly code: 'HTTP_BAD_PATH' | 'HTTP_NOT_FOUND';
  readonly reason: string;
}

/**
 * parseHlsPath validates the raw (still percent-encoded) request path below /hls, e.g.
 * "/KEY/720p/index.m3u8?_HLS_msn=3". Nothing it accepts can name a file outside hlsRoot/KEY
 * lexically; symlinks are the file system's business and are checked with realpath by the caller.
 */
export function parseHlsPath(rawPath: string): HlsPath | HlsPathRefusal {
  const end = rawPath.search(/[?#]/);
  const path = end === -1 ? rawPath : rawPath.slice(0, end);
  const bad = (reason: string): HlsPathRefusal => ({ ok: false, status: 400, code: 'HTTP_BAD_PATH', reason });

  // Allowed names never need percent-encoding, so any "%" is an attempt to smuggle something
  // (%2e%2e, %2f, %5c, %00, double encoding); refusing it outright beats decoding carefully.
  if (path.includes('%')) return bad('percent-encoding is not allowed');
  if (path.includes('\\')) return bad('backslash is not allowed');
  if (path.includes('\0')) return bad('NUL is not allowed');
  if (!path.startsWith('/')) return bad('path must start with /');

  const [key, ...segments] = path.slice(1).split('/');
  if (key === undefined || !isValidStreamKey(key)) return bad('stream key must match [A-Za-z0-9_-]{1,64}');
  if (segments.length === 0) return bad('path names no file');
  if (segments.length > MAX_HLS_DEPTH) return bad(`path is deeper than ${MAX_HLS_DEPTH} below the key`);
  for (const s of segments) {
    if (s.includes('..')) return bad('".." is not allowed');
    if (s.startsWith('.')) return bad('names may not start with "."');
    if (!SEGMENT_PATTERN.test(s)) return bad('names must match [A-Za-z0-9_.-]{1,128}');
  }

  const file = segments[segments.length - 1] ?? '';
  const dot = file.lastIndexOf('.');
  const type = dot === -1 ? undefined : HLS_FILE_TYPES[file.slice(dot).toLowerCase()];
  if (type === undefined) return { ok: false, status: 404, code: 'HTTP_NOT_FOUND', reason: 'not an HLS file type' };
  return { ok: true, key, segments, contentType: type.contentType, kind: type.kind };
}

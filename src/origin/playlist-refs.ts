/**
 * Which files a playlist makes a viewer fetch, so the origin mirror can hold the playlist until
 * they are there. Pure functions over the playlist text and stream-relative paths.
 */

/**
 * Tags whose URI a viewer fetches because the playlist lists it. Left out on purpose:
 * EXT-X-PRELOAD-HINT names a part that does not exist yet (LL-HLS: the server holds that request
 * open), and EXT-X-RENDITION-REPORT names sibling media playlists, which reference each other (a
 * dependency cycle); a viewer reaches those through the master playlist, which waits for them.
 */
const URI_TAGS = [
  '#EXT-X-MAP:',
  '#EXT-X-PART:',
  '#EXT-X-MEDIA:',
  '#EXT-X-I-FRAME-STREAM-INF:',
  '#EXT-X-KEY:',
  '#EXT-X-SESSION-KEY:',
  '#EXT-X-SESSION-DATA:',
];

const URI_ATTR = /(?:^|,)URI="([^"]*)"/;

/** playlistRefs lists the URIs (as written) that a master or media playlist makes a viewer fetch, in order, without repeats. */
export function playlistRefs(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('#')) {
      out.add(line);
      continue;
    }
    const tag = URI_TAGS.find((t) => line.startsWith(t));
    if (tag === undefined) continue;
    const m = URI_ATTR.exec(line.slice(tag.length));
    if (m?.[1]) out.add(m[1]);
  }
  return [...out];
}

/** A path segment uprez writes: no '.' or '..', no hidden files, no separators or escapes. */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._~-]{0,127}$/;

/** isSafeRelPath accepts a stream-relative path like "720p/seg_00042.ts": '/'-separated safe segments, at most 8 deep. */
export function isSafeRelPath(rel: string): boolean {
  if (rel.length === 0 || rel.length > 512) return false;
  const parts = rel.split('/');
  return parts.length <= 8 && parts.every((p) => SAFE_SEGMENT.test(p));
}

/**
 * resolveRef turns a URI listed by the playlist at `playlistRel` into a stream-relative path, or
 * null when it is not a file of this stream (an absolute URL or path, or one leaving the stream's
 * root). A query or fragment is not part of the file's name.
 */
export function resolveRef(playlistRel: string, uri: string): string | null {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) || uri.startsWith('/')) return null;
  const bare = uri.replace(/[?#].*$/, '');
  if (bare === '') return null;
  const dir = playlistRel.split('/').slice(0, -1);
  for (const part of bare.split('/')) {
    if (part === '..') {
      if (dir.length === 0) return null;
      dir.pop();
    } else if (part !== '.' && part !== '') dir.push(part);
  }
  const rel = dir.join('/');
  return isSafeRelPath(rel) ? rel : null;
}

/** playlistDeps resolves a playlist's refs to the stream-relative files it needs at the origin. */
export function playlistDeps(playlistRel: string, text: string): string[] {
  const out: string[] = [];
  for (const uri of playlistRefs(text)) {
    const rel = resolveRef(playlistRel, uri);
    if (rel !== null && !out.includes(rel)) out.push(rel);
  }
  return out;
}

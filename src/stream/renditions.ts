import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RenditionSnapshot } from './stream-snapshot.js';

/** parseMasterPlaylist reads the variant streams of an HLS master playlist (pure). */
export function parseMasterPlaylist(text: string, urlPath: string): RenditionSnapshot[] {
  const lines = text.split(/\r?\n/);
  const out: RenditionSnapshot[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = line.slice('#EXT-X-STREAM-INF:'.length);
    const bandwidth = Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(attrs)?.[1] ?? 0);
    const res = /(?:^|,)RESOLUTION=(\d+)x(\d+)/.exec(attrs);
    let uri = '';
    for (let j = i + 1; j < lines.length; j++) {
      const next = (lines[j] as string).trim();
      if (next && !next.startsWith('#')) {
        uri = next;
        break;
      }
    }
    if (!uri) continue;
    out.push({
      name: path.posix.dirname(uri) === '.' ? uri : path.posix.dirname(uri),
      width: res ? Number(res[1]) : 0,
      height: res ? Number(res[2]) : 0,
      bandwidth,
      playlist: `${urlPath}/${uri}`,
    });
  }
  return out;
}

/** readRenditions parses DIR/master.m3u8 if it exists yet (empty list otherwise). */
export function readRenditions(dir: string, urlPath: string): RenditionSnapshot[] {
  try {
    return parseMasterPlaylist(readFileSync(path.join(dir, 'master.m3u8'), 'utf8'), urlPath);
  } catch {
    return [];
  }
}

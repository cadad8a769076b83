/**
 * Crash recovery for the HLS directory. After a crash (kill -9, power loss) the streams of the
 * previous process are left with open playlists: without help they would be served as live
 * forever. At start, before any publish is accepted, every open media playlist under
 * DATA_DIR/hls is ended: what only the live edge needed (LL-HLS parts, the preload hint, the tags
 * of a segment never finished) is dropped and #EXT-X-ENDLIST appended, atomically, so a player
 * still watching plays to the end and stops; private and temporary files are deleted. The server
 * then removes those streams after the same retention as a stream that ended normally, unless
 * the key was published again meanwhile (a new run starts its directory afresh anyway).
 *
 * Only real directories and regular files are touched (lstat): links are never followed and FIFOs
 * never opened.
 */
import { lstat, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { isValidStreamKey } from '../media/stream-key.js';
import type { Logger } from '../log/logger.js';
import { MEDIA_PLAYLIST, PRIVATE_PLAYLIST } from './hls-names.js';

/** Tags of the playlist itself, not of a segment. */
const HEADER_TAG =
  /^#(?:EXTM3U|EXT-X-(?:VERSION|TARGETDURATION|SERVER-CONTROL|PART-INF|MEDIA-SEQUENCE|DISCONTINUITY-SEQUENCE|INDEPENDENT-SEGMENTS|PLAYLIST-TYPE))(?::|$)/;

/** endOpenPlaylist returns the text of an open live playlist ended (parts and hint dropped), or null if it has ended already. */
export function endOpenPlaylist(text: string): string | null {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.some((l) => l.trim() === '#EXT-X-ENDLIST')) return null;
  let lastUri = -1;
  lines.forEach((l, i) => {
    if (!l.startsWith('#')) lastUri = i;
  });
  // Up to the last complete segment (no segment: the playlist's own tags only), without parts.
  const kept = lastUri === -1 ? lines.filter((l) => HEADER_TAG.test(l)) : lines.slice(0, lastUri + 1);
  return `${[...kept.filter((l) => !l.startsWith('#EXT-X-PART:') && !l.startsWith('#EXT-X-PRELOAD-HINT:')), '#EXT-X-ENDLIST'].join('\n')}\n`;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * recoverHlsRoot ends every open playlist a previous process left under `hlsRoot` (see the module
 * comment) and returns the keys of the stream directories found, for removal after retention.
 */
export async function recoverHlsRoot(hlsRoot: string, log: Logger): Promise<string[]> {
  const keys: string[] = [];
  let names: string[];
  try {
    names = await readdir(hlsRoot);
  } catch {
    return keys;
  }
  for (const key of names) {
    const dir = path.join(hlsRoot, key);
    if (!isValidStreamKey(key) || !(await isDir(dir))) continue;
    keys.push(key);
    let ended = 0;
    for (const rung of await readdir(dir)) {
      const rungDir = path.join(dir, rung);
      if (!(await isDir(rungDir))) continue;
      for (const name of await readdir(rungDir)) {
        const file = path.join(rungDir, name);
        if (!(await isFile(file))) continue;
        if (name === PRIVATE_PLAYLIST || name.endsWith('.tmp')) {
          await rm(file, { force: true });
        } else if (name === MEDIA_PLAYLIST) {
          try {
            const text = endOpenPlaylist(await readFile(file, 'utf8'));
            if (text === null) continue;
            await writeFile(`${file}.recover.tmp`, text);
            await rename(`${file}.recover.tmp`, file);
            ended++;
          } catch (err) {
            log.warn('could not end a playlist left by a previous run', { file, err: errorMessage(err) });
          }
        }
      }
    }
    if (ended) log.warn('ended the playlists a previous run left open (it did not shut down cleanly)', { stream: key, playlists: ended });
  }
  return keys;
}

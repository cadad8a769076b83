import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** VIDEO_EXTENSIONS are the file names listed as videos a file job can take. */
const VIDEO_EXTENSIONS = new Set(['.mp4', '.mkv', '.mov', '.webm', '.ts', '.m2ts', '.flv', '.avi', '.m4v', '.y4m']);

/**
 * listVideos lists the video files under the jobs input folder (POST /api/jobs takes them as
 * "input"), as paths relative to it with forward slashes, sorted: at most `limit` files, `depth`
 * folders deep, hidden names and symlinks skipped.
 */
export async function listVideos(root: string, limit = 500, depth = 3): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string[], level: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory() && level < depth) await walk(path.join(dir, e.name), [...rel, e.name], level + 1);
      else if (e.isFile() && VIDEO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push([...rel, e.name].join('/'));
    }
  };
  await walk(root, [], 0);
  return out;
}

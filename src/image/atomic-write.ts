import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';

/** TEMP_SUFFIX ends the hidden temp name an output is written under before its rename. */
export const TEMP_SUFFIX = '.uprez-tmp';

/** tempNameFor is the hidden temp file for `file` in the same folder (`.NAME.RANDOM.uprez-tmp`). */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/**
 * writeFileAtomic writes `data` to a temp file beside `file` and renames it over `file`: a reader (or
 * a later run) sees the old file or the whole new one, never half of it, and an existing symlink at
 * `file` is replaced, never followed. The temp file is removed when anything fails.
 */
export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = tempNameFor(file);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * ensureDirUnder creates `root` (as asked, with its parents) and then `relDir...` one level at a time, checking that every level is a real
 * folder, not a symlink (which could point anywhere), so files written there stay inside `root`.
 */
export async function ensureDirUnder(root: string, relDir: readonly string[]): Promise<string> {
  let dir = path.resolve(root);
  await mkdir(dir, { recursive: true });
  for (const seg of relDir) {
    dir = path.join(dir, seg);
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await lstat(dir);
    if (!st.isDirectory()) {
      throw new UprezError(
        'IMAGE_BAD_NAME',
        `refusing to write through ${dir}: it is ${st.isSymbolicLink() ? 'a symlink' : 'not a folder'}`,
      );
    }
  }
  return dir;
}

import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatOfName } from './image-format.js';

/**
 * WalkEntry is one thing the walk found: an image to upscale (with the folders between the argument
 * it was found under and the file, which the output keeps), something ignored (not an image, a
 * hidden file, the output folder itself, a symlinked folder), or an argument that cannot be read.
 */
export type WalkEntry =
  | { readonly kind: 'image'; readonly path: string; readonly relDir: readonly string[]; readonly name: string }
  | { readonly kind: 'ignored'; readonly path: string; readonly reason: string }
  | { readonly kind: 'error'; readonly path: string; readonly reason: string };

/** WalkOptions: a folder never to descend into (the output folder, by device and inode). */
export interface WalkOptions {
  readonly exclude?: { readonly dev: number; readonly ino: number };
}

/** byName orders names by UTF-16 code units: the same order on every machine and locale. */
const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function errnoReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  return err instanceof Error ? err.message : String(err);
}

/**
 * walkImageInputs yields the inputs in a stable order: the arguments as given; a file argument is an
 * image whatever its name (its bytes decide later); a folder argument is walked depth-first with
 * names sorted by code unit, keeping files whose extension names a format uprez reads (image-format.ts).
 * Hidden names (leading dot, e.g. temp files and working folders) are passed over silently; symlinks to files are followed,
 * symlinks to folders are not (no cycles). Only one folder's listing is held at a time per level,
 * so memory does not grow with the number of files.
 */
export async function* walkImageInputs(inputs: readonly string[], o: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch (err) {
      yield { kind: 'error', path: input, reason: errnoReason(err) };
      continue;
    }
    if (st.isDirectory()) {
      if (isExcluded(st, o)) yield { kind: 'ignored', path: input, reason: 'is the output folder' };
      else yield* walkDir(input, [], o);
    } else {
      yield { kind: 'image', path: input, relDir: [], name: path.basename(input) };
    }
  }
}

function isExcluded(st: { dev: number; ino: number }, o: WalkOptions): boolean {
  return o.exclude !== undefined && st.dev === o.exclude.dev && st.ino === o.exclude.ino;
}

async function* walkDir(dir: string, relDir: readonly string[], o: WalkOptions): AsyncGenerator<WalkEntry> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield { kind: 'error', path: dir, reason: `cannot list folder: ${errnoReason(err)}` };
    return;
  }
  entries.sort(byName);
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      let st;
      try {
        st = await stat(full);
      } catch (err) {
        yield { kind: 'error', path: full, reason: errnoReason(err) };
        continue;
      }
      if (isExcluded(st, o)) yield { kind: 'ignored', path: full, reason: 'is the output folder' };
      else yield* walkDir(full, [...relDir, e.name], o);
      continue;
    }
    const image = formatOfName(e.name) !== undefined;
    if (e.isFile()) {
      yield image ? { kind: 'image', path: full, relDir, name: e.name } : { kind: 'ignored', path: full, reason: 'not an image file name' };
    } else if (e.isSymbolicLink()) {
      yield await followLink(full, relDir, e.name, image);
    } else {
      yield { kind: 'ignored', path: full, reason: 'not a regular file' };
    }
  }
}

async function followLink(full: string, relDir: readonly string[], name: string, image: boolean): Promise<WalkEntry> {
  try {
    const st = await stat(full);
    if (st.isDirectory()) return { kind: 'ignored', path: full, reason: 'symlinked folder not followed' };
    if (st.isFile() && image) return { kind: 'image', path: full, relDir, name };
    return { kind: 'ignored', path: full, reason: st.isFile() ? 'not an image file name' : 'not a regular file' };
  } catch (err) {
    return { kind: 'ignored', path: full, reason: `broken symlink (${errnoReason(err)})` };
  }
}

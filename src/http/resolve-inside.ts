import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { relativeInside } from '../paths/path-inside.js';

/** Errors that mean "no such file here" rather than a server fault. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES']);

/** InsideFile is a regular file found inside a root, as the real root and the path below it. */
export interface InsideFile {
  /** Real path of the root (symlinks resolved). */
  readonly root: string;
  /** The file's real path relative to `root`: never absolute, never starting with "..". */
  readonly relative: string;
}

/**
 * resolveInside finds the regular file `root/...segments` and returns where it really is, below
 * the real root, or null when it does not exist, is not a regular file (a directory, a FIFO that
 * would block a reader, a device), or resolves (through symlinks) outside `root`.
 * Segments must already be validated names (see parseHlsPath); this adds the file-system check.
 * Callers send `relative` with `root` as the sender's root, so the sender checks containment
 * again and judges dot-names below the root only (a root under ~/.local is fine).
 */
export async function resolveInside(root: string, segments: readonly string[]): Promise<InsideFile | null> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(path.join(realRoot, ...segments));
    const relative = relativeInside(realRoot, real);
    if (!relative) return null; // outside, or the root itself
    const st = await stat(real);
    return st.isFile() ? { root: realRoot, relative } : null;
  } catch (err) {
    if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

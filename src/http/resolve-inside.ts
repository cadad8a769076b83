import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Errors that mean "no such file here" rather than a server fault. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES']);

/**
 * resolveInside returns the real path of the regular file `root/...segments`, or null when it
 * does not exist, is not a regular file, or resolves (through symlinks) outside `root`.
 * Segments must already be validated names (see parseHlsPath); this adds the file-system check.
 */
export async function resolveInside(root: string, segments: readonly string[]): Promise<string | null> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(path.join(realRoot, ...segments));
    const prefix = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep;
    if (!real.startsWith(prefix)) return null;
    const st = await stat(real);
    return st.isFile() ? real : null;
  } catch (err) {
    if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

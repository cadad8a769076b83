/**
 * Spool takes hold of a stream's media files for the origin mirror: a hard link (no copy, no
 * memory) in the mirror's own directory, so a file outlives the local retention window while the
 * origin is down. Where a link is impossible (another file system) it copies; where both fail it
 * uploads the original in place (and the file may then be swept before it goes: 'missing').
 */
import { copyFile, link, mkdir, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { OriginError } from './origin-error.js';
import type { PreparedFile } from './upload-types.js';

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

/** Spool holds files in `dir` (created on first use, removed by clear()). */
export class Spool {
  private ready: Promise<void> | null = null;
  private n = 0;

  constructor(readonly dir: string) {}

  /** hold links (or copies) `absPath` into the spool and reports its size; rejects ORIGIN_FILE_MISSING when it is gone. */
  async hold(rel: string, absPath: string): Promise<PreparedFile> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    const dest = path.join(this.dir, `${++this.n}-${rel.replaceAll('/', '_')}`);
    try {
      await this.ready;
      try {
        await link(absPath, dest);
      } catch (err) {
        if (isMissing(err)) throw err;
        await copyFile(absPath, dest);
      }
      return { path: dest, size: (await stat(dest)).size };
    } catch (err) {
      if (isMissing(err))
        throw new OriginError('ORIGIN_FILE_MISSING', `${rel} was gone from local disk before the origin mirror took it`, false, undefined, {
          cause: err,
        });
      // Neither a link nor a copy (spool not writable): send the original from where it is.
      try {
        return { path: absPath, size: (await stat(absPath)).size };
      } catch (err2) {
        throw new OriginError('ORIGIN_FILE_MISSING', `${rel} was gone from local disk before the origin mirror took it`, false, undefined, {
          cause: err2,
        });
      }
    }
  }

  /** release deletes a spooled copy (never a file outside the spool). */
  release(file: PreparedFile): void {
    if (path.dirname(file.path) === this.dir) void unlink(file.path).catch(() => undefined);
  }

  /** clear removes the spool directory and everything left in it. */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

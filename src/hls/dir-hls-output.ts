import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { hlsChanges, type HlsChanges } from './hls-changes.js';
import type { HlsFileKind, HlsOutput } from './hls-output.js';

/** checkRelPath refuses a relative HLS path that could leave its root (absolute, '..', backslash, empty parts). */
export function checkRelPath(rel: string): string {
  const parts = rel.split('/');
  if (
    rel.length === 0 ||
    rel.length > 300 ||
    rel.includes('\\') ||
    rel.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new RangeError(`invalid HLS path ${JSON.stringify(rel)}`);
  }
  return rel;
}

/**
 * DirHlsOutput is the local directory a stream is served from (DATA_DIR/hls/KEY). Media files are
 * written in place (by ffmpeg or the writer, each atomically) before they are announced, so file()
 * only checks the path. Playlists are written atomically (temp file + rename) and removals done at
 * once, synchronously: a playlist is a few KB on the local disk, and doing it in the caller's turn
 * makes the order (media, then the playlists listing it, then deletions) and an ENDLIST written
 * before the stream reports itself ended trivially true. Each change wakes the HLS route's
 * waiters on that directory.
 */
export class DirHlsOutput implements HlsOutput {
  private closed = false;
  private failures = 0;

  constructor(
    private readonly root: string,
    private readonly log: Logger,
    private readonly changes: HlsChanges = hlsChanges,
  ) {}

  /** file checks that the announced file is this directory's own (nothing to copy locally). */
  file(relPath: string, absPath: string, _kind: HlsFileKind): void {
    const want = path.resolve(this.root, checkRelPath(relPath));
    if (path.resolve(absPath) !== want) throw new RangeError(`HLS file ${absPath} is not ${want}`);
    this.changes.notify(path.dirname(want));
  }

  /** playlist writes the playlist's text atomically. */
  playlist(relPath: string, text: string): void {
    if (this.closed) return;
    const abs = path.join(this.root, checkRelPath(relPath));
    try {
      mkdirSync(path.dirname(abs), { recursive: true });
      const tmp = `${abs}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, abs);
    } catch (err) {
      // A full or read-only disk: the encoder sees its own writes fail and stops the stream.
      if (this.failures++ < 5) this.log.error('cannot write a playlist', { file: abs, err: errorMessage(err) });
      return;
    }
    this.changes.notify(path.dirname(abs));
  }

  /** remove deletes a media file. */
  remove(relPath: string): void {
    if (this.closed) return;
    const abs = path.join(this.root, checkRelPath(relPath));
    try {
      rmSync(abs, { force: true });
    } catch (err) {
      if (this.failures++ < 5) this.log.warn('cannot remove an HLS file', { file: abs, err: errorMessage(err) });
    }
  }

  /** close refuses more (everything was written in its call). */
  async close(): Promise<void> {
    this.closed = true;
  }
}

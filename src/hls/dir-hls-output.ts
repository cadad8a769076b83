import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { hlsChanges, type HlsChanges } from './hls-changes.js';
import type { HlsFileKind, HlsOutput } from './hls-output.js';

/** checkRelPath refuses a relative HLS path that could leave its root (absolute, '..', backslash, empty parts). */
export function checkRelPath(rel: string): string {
  const parts = rel.split('/');
  if (rel.length === 0 || rel.length > 300 || rel.includes('\\') || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new RangeError(`invalid HLS path ${JSON.stringify(rel)}`);
  }
  return rel;
}

type Job = { kind: 'playlist'; rel: string } | { kind: 'remove'; rel: string };

/**
 * DirHlsOutput is the local directory a stream is served from (DATA_DIR/hls/KEY). Media files are
 * written in place (by ffmpeg or the writer, each atomically) before they are announced, so file()
 * only checks the path; playlists are written atomically (temp file + rename) in the order given,
 * a newer text of the same playlist replacing one still queued; removals run after the playlists
 * queued before them. Each change wakes the HLS route's waiters on that directory.
 */
export class DirHlsOutput implements HlsOutput {
  private readonly queue: Job[] = [];
  private readonly texts = new Map<string, string>();
  private running: Promise<void> | null = null;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly root: string,
    private readonly log: Logger,
    private readonly changes: HlsChanges = hlsChanges,
  ) {}

  /** file checks that the announced file is this directory's own (nothing to copy locally). */
  file(relPath: string, absPath: string, _kind: HlsFileKind): void {
    const want = path.join(this.root, checkRelPath(relPath));
    if (path.resolve(absPath) !== want) throw new RangeError(`HLS file ${absPath} is not ${want}`);
    this.changes.notify(path.dirname(want));
  }

  /** playlist queues an atomic write of the playlist's text. */
  playlist(relPath: string, text: string): void {
    if (this.closed) return;
    checkRelPath(relPath);
    if (!this.texts.has(relPath)) this.queue.push({ kind: 'playlist', rel: relPath });
    this.texts.set(relPath, text);
    this.kick();
  }

  /** remove queues the deletion of a media file (after the playlists queued before it). */
  remove(relPath: string): void {
    if (this.closed) return;
    this.queue.push({ kind: 'remove', rel: checkRelPath(relPath) });
    this.kick();
  }

  /** idle resolves once everything queued so far is on disk. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** close writes what is queued, then refuses more. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
  }

  private kick(): void {
    if (!this.running) this.running = this.drain().finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      const abs = path.join(this.root, job.rel);
      try {
        if (job.kind === 'playlist') {
          const text = this.texts.get(job.rel) as string;
          this.texts.delete(job.rel);
          await mkdir(path.dirname(abs), { recursive: true });
          const tmp = `${abs}.${process.pid}.tmp`;
          await writeFile(tmp, text);
          await rename(tmp, abs);
        } else {
          await rm(abs, { force: true });
        }
        this.changes.notify(path.dirname(abs));
      } catch (err) {
        // A full or read-only disk: the encoder sees its own writes fail and stops the stream.
        if (this.failures++ < 5) this.log.error('cannot write an HLS file', { file: abs, err: errorMessage(err) });
      }
    }
  }
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseMediaPlaylist } from '../hls/media-playlist.js';
import { HLS_LAYOUT } from './encoder-args.js';

/** SegmentWatcherOptions say where to look and whom to tell. */
export interface SegmentWatcherOptions {
  outDir: string;
  rungs: readonly string[];
  /** Called once per completed segment, in order: rung name, the segment's absolute path, its duration (s). */
  onSegment: (rung: string, file: string, duration: number) => void;
  /** Poll period. Default 500 ms. */
  intervalMs?: number;
  /** The playlist read in each rung's directory (default HLS_LAYOUT.media; live HLS reads ffmpeg's private one). */
  playlist?: string;
}

/**
 * SegmentWatcher reports each new segment of each rung once. It polls the media playlists
 * rather than the directory: a segment is listed only once it is complete (ffmpeg renames the
 * playlist into place after closing the segment), and media sequence numbers make "new" exact
 * even when a live window deletes old files. Polling works on every filesystem (fs.watch does not).
 */
export class SegmentWatcher {
  private readonly last = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private again = false;

  constructor(private readonly opts: SegmentWatcherOptions) {}

  /** skipThrough marks a rung's segments up to `sequence` as already reported (an appended playlist). */
  skipThrough(rung: string, sequence: number): void {
    this.last.set(rung, Math.max(this.last.get(rung) ?? -1, sequence));
  }

  /** start begins polling. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scan(), this.opts.intervalMs ?? 500);
    this.timer.unref();
  }

  /** scan reads every media playlist now and reports new segments (one scan at a time; one asked for during a scan runs once more after it). */
  scan(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.again = false;
        await this.scanAll();
      } while (this.again);
    })().finally(() => (this.scanning = null));
    return this.scanning;
  }

  /** close stops polling after a last scan. Idempotent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scan();
  }

  private async scanAll(): Promise<void> {
    for (const rung of this.opts.rungs) {
      const dir = path.join(this.opts.outDir, rung);
      let text: string;
      try {
        text = await readFile(path.join(dir, this.opts.playlist ?? HLS_LAYOUT.media), 'utf8');
      } catch {
        continue; // not written yet
      }
      const last = this.last.get(rung) ?? -1;
      let newest = last;
      for (const seg of parseMediaPlaylist(text).segments) {
        if (seg.sequence <= last) continue;
        newest = Math.max(newest, seg.sequence);
        this.opts.onSegment(rung, path.join(dir, seg.uri), seg.duration);
      }
      this.last.set(rung, newest);
    }
  }
}

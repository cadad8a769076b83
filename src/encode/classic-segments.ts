import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseMediaPlaylist } from '../hls/media-playlist.js';
import { PRIVATE_PLAYLIST } from '../hls/hls-names.js';
import type { HlsSession } from '../hls/hls-writer.js';
import type { FrameClock } from './frame-clock.js';

/** ClassicSegmentsOptions say where ffmpeg's private playlists are and whom to tell. */
export interface ClassicSegmentsOptions {
  readonly outDir: string;
  readonly rungs: readonly string[];
  readonly session: HlsSession;
  readonly clock: FrameClock;
  readonly fps: number;
  /** Poll period. Default 200 ms (ffmpeg's stderr also triggers a scan when a segment closes). */
  readonly intervalMs?: number;
}

/**
 * ClassicSegments hands each segment ffmpeg's HLS muxer finished (it lists a segment in its
 * private playlist only once the file is complete) to the writer's session, once, with its
 * duration and the wall-clock time of its first frame. Files numbered by ffmpeg within this
 * encoder; the time of a segment is the sum of the durations before it in this encoder.
 */
export class ClassicSegments {
  private readonly seen = new Map<string, { last: number; elapsed: number }>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private again = false;

  constructor(private readonly opts: ClassicSegmentsOptions) {}

  /** start begins polling. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scan(), this.opts.intervalMs ?? 200);
    this.timer.unref();
  }

  /** scan reads the private playlists now (a scan asked for during one runs once more after it). */
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
        text = await readFile(path.join(dir, PRIVATE_PLAYLIST), 'utf8');
      } catch {
        continue; // not written yet
      }
      const state = this.seen.get(rung) ?? { last: -1, elapsed: 0 };
      for (const seg of parseMediaPlaylist(text).segments) {
        if (seg.sequence <= state.last) continue;
        const firstFrame = Math.round(state.elapsed * this.opts.fps);
        this.opts.session.segment(rung, { file: path.join(dir, seg.uri), duration: seg.duration, programDateTime: this.opts.clock.at(firstFrame) });
        state.last = seg.sequence;
        state.elapsed += seg.duration;
      }
      this.seen.set(rung, state);
    }
  }
}

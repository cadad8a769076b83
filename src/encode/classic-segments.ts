import { PRIVATE_PLAYLIST } from '../hls/hls-names.js';
import type { HlsSession } from '../hls/hls-writer.js';
import type { FrameClock } from './frame-clock.js';
import { SegmentWatcher } from './segment-watcher.js';

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
  /** Seconds of segments already handed on, per rung (this encoder's). */
  private readonly elapsed = new Map<string, number>();
  private readonly watcher: SegmentWatcher;

  constructor(private readonly opts: ClassicSegmentsOptions) {
    this.watcher = new SegmentWatcher({
      outDir: opts.outDir,
      rungs: opts.rungs,
      playlist: PRIVATE_PLAYLIST,
      intervalMs: opts.intervalMs ?? 200,
      onSegment: (rung, file, duration) => this.onSegment(rung, file, duration),
    });
  }

  /** start begins polling. */
  start(): void {
    this.watcher.start();
  }

  /** scan reads the private playlists now (a scan asked for during one runs once more after it). */
  scan(): Promise<void> {
    return this.watcher.scan();
  }

  /** close stops polling after a last scan. Idempotent. */
  close(): Promise<void> {
    return this.watcher.close();
  }

  private onSegment(rung: string, file: string, duration: number): void {
    const elapsed = this.elapsed.get(rung) ?? 0;
    const firstFrame = Math.round(elapsed * this.opts.fps);
    this.opts.session.segment(rung, { file, duration, programDateTime: this.opts.clock.at(firstFrame) });
    this.elapsed.set(rung, elapsed + duration);
  }
}

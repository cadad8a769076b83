import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { VideoInfo } from '../decode/video-info.js';
import type { SupervisedProcess } from '../ffmpeg/supervised-process.js';
import { DirHlsOutput } from '../hls/dir-hls-output.js';
import { PRIVATE_PLAYLIST } from '../hls/hls-names.js';
import { HlsWriter, type HlsMode, type HlsSession } from '../hls/hls-writer.js';
import type { Logger } from '../log/logger.js';
import { ClassicSegments } from './classic-segments.js';
import { buildLlEncoderArgs, llOutputFds } from './encoder-args-ll.js';
import { buildEncoderArgs, type EncoderArgsOptions } from './encoder-args.js';
import { FrameClock } from './frame-clock.js';
import type { Rung } from './ladder.js';
import { LlPipes } from './ll-pipes.js';

/** LiveHlsOptions are what a live encoder's HLS output needs. */
export interface LiveHlsOptions {
  readonly outDir: string;
  readonly rungs: readonly Rung[];
  /** The encoder's input (upscaled) size and rate. */
  readonly input: VideoInfo;
  readonly hasAudio: boolean;
  readonly segmentSeconds: number;
  readonly listSize?: number;
  /** The stream run's writer (its owner makes one per run); without one, a run of this encoder alone. */
  readonly hls?: HlsWriter;
  /** Mode of a writer created here (no `hls`). Default classic. */
  readonly hlsMode?: HlsMode;
  readonly log: Logger;
  readonly onSegment: (rung: string, file: string) => void;
  /** A media file could not be written or read: the encoder must stop. */
  readonly onError: (line: string) => void;
}

/** The C library's words for the errors a full or locked-down disk gives (what ffmpeg prints, and operators grep for). */
const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EDQUOT: 'Disk quota exceeded',
};

/** describeWriteError names a failed write the way ffmpeg would ("No space left on device: …"). */
export function describeWriteError(err: Error): string {
  const known = WRITE_ERRORS[(err as NodeJS.ErrnoException).code ?? ''];
  return known ? `${known}: ${err.message}` : err.message;
}

/** ffmpeg closes a classic segment when it opens the next one: scan the private playlists then. */
const SEGMENT_OPENED = /Opening '[^']*\.ts(?:\.tmp)?' for writing/;

/**
 * LiveHls is a live encoder's side of its stream run's HlsWriter: it begins the encoder's session,
 * builds the ffmpeg arguments for the run's mode (classic: MPEG-TS segments with run-unique names
 * and a private playlist; LL-HLS: fragmented MP4 per rung on pipes), records each frame's
 * wall-clock time, and feeds the session from ffmpeg's output until the encoder has exited.
 */
export class LiveHls {
  readonly writer: HlsWriter;
  readonly session: HlsSession;
  private readonly clock: FrameClock;
  private classic: ClassicSegments | null = null;
  private pipes: LlPipes | null = null;

  constructor(private readonly o: LiveHlsOptions) {
    const dir = path.resolve(o.outDir);
    this.writer =
      o.hls ??
      new HlsWriter({
        mode: o.hlsMode ?? 'classic',
        dir,
        segmentSeconds: o.segmentSeconds,
        listSize: o.listSize,
        outputs: [new DirHlsOutput(dir, o.log)],
        log: o.log,
      });
    this.clock = new FrameClock(o.input.fpsNum / o.input.fpsDen);
    this.session = this.writer.beginSession({
      rungs: o.rungs.map((r) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        rates: { videoMaxrate: r.videoBitrate, vbvBufsize: r.bufsize, audioBitrate: r.audioBitrate, fps: o.input.fpsNum / o.input.fpsDen },
      })),
      fpsNum: o.input.fpsNum,
      fpsDen: o.input.fpsDen,
      hasAudio: o.hasAudio,
      onSegment: o.onSegment,
      onError: (err) => o.onError(`cannot write the HLS output: ${describeWriteError(err)}`),
    });
  }

  /** mode is the run's packaging. */
  get mode(): HlsMode {
    return this.writer.mode;
  }

  /** outputFds are the extra pipes ffmpeg writes (LL-HLS: one per rung). */
  get outputFds(): number[] {
    return this.mode === 'll' ? llOutputFds(this.o.rungs.length, this.o.hasAudio) : [];
  }

  /** args builds ffmpeg's arguments from the encoder's common options. */
  args(common: Omit<EncoderArgsOptions, 'live' | 'liveSegmentPattern' | 'startNumber' | 'listSize'>): string[] {
    if (this.mode === 'll') return buildLlEncoderArgs(common);
    return buildEncoderArgs({ ...common, live: true, liveSegmentPattern: this.session.classicPattern, listSize: this.o.listSize });
  }

  /** prepare creates the rung directories and removes a previous encoder's private playlists. */
  prepare(): void {
    for (const r of this.o.rungs) {
      const dir = path.join(this.o.outDir, r.name);
      mkdirSync(dir, { recursive: true });
      // Left from the last encoder, it would be read as this one's segments.
      rmSync(path.join(dir, PRIVATE_PLAYLIST), { force: true });
    }
  }

  /** attach starts reading ffmpeg's output once it was spawned. */
  attach(proc: SupervisedProcess): void {
    const fps = this.o.input.fpsNum / this.o.input.fpsDen;
    if (this.mode === 'classic') {
      this.classic = new ClassicSegments({
        outDir: this.o.outDir,
        rungs: this.o.rungs.map((r) => r.name),
        session: this.session,
        clock: this.clock,
        fps,
      });
      this.classic.start();
      return;
    }
    const pipes = this.outputFds.map((fd) => proc.pipe(fd) as Readable | null);
    if (pipes.some((p) => !p)) return; // spawn failed: the exit says why
    this.pipes = new LlPipes({
      pipes: pipes as Readable[],
      rungs: this.o.rungs.map((r) => r.name),
      writer: this.writer,
      session: this.session,
      clock: this.clock,
      fpsNum: this.o.input.fpsNum,
      fpsDen: this.o.input.fpsDen,
      hasAudio: this.o.hasAudio,
      onError: (m) => this.o.onError(`cannot package LL-HLS: ${m}`),
    });
  }

  /** frameWritten records frame n's wall-clock time (ms since the epoch). */
  frameWritten(n: number, ms: number): void {
    this.clock.mark(n, ms);
  }

  /** onStderrLine lets a classic segment be picked up as soon as ffmpeg closes it. */
  onStderrLine(line: string): void {
    if (this.classic && SEGMENT_OPENED.test(line)) void this.classic.scan();
  }

  /** close runs once ffmpeg has exited: the last segments or parts are handed on and the session ends. */
  async close(): Promise<void> {
    await this.classic?.close();
    await this.pipes?.drained();
    await this.session.end();
  }

  /** finish ends the stream run's playlists (ENDLIST); see HlsWriter.end. */
  finish(): Promise<void> {
    return this.writer.end();
  }
}

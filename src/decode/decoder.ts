import type { Duplex, Writable } from 'node:stream';
import { UprezError, errorMessage } from '../errors.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import { redactorFor } from '../ffmpeg/redact.js';
import { SupervisedProcess, type ProcessExit } from '../ffmpeg/supervised-process.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import { DECODER_AUDIO_FD, FLV_STDIN, buildDecoderArgs } from './decoder-args.js';
import type { VideoInfo } from './video-info.js';
import { Y4mParser } from './y4m-parser.js';

export type { VideoInfo } from './video-info.js';

/** DecoderOptions configure one decoder ffmpeg. */
export interface DecoderOptions {
  binaries: FfmpegBinaries;
  /** A file path or URL, or a live publish's feed (written to ffmpeg's stdin as FLV). */
  input: string | FeedSource;
  hasAudio: boolean;
  /** -re: read a file at its native rate, as if live. */
  realtime?: boolean;
  log: Logger;
  /** Force the output frame rate (default: the source's). */
  fps?: { num: number; den: number };
  /** Network inputs: exit when no data arrives for this long (default 10 000 ms). */
  rwTimeoutMs?: number;
  /** Deliver frames of exactly this size (scaled to fit and padded); see DecoderArgsOptions.size. */
  size?: { width: number; height: number };
  /** Start this many seconds into the input (accurate seek; see DecoderArgsOptions.seekSeconds). */
  seekSeconds?: number;
}

/** DecoderEvents are what a Decoder emits. */
export interface DecoderEvents {
  /** Once, before the first frame: size and frame rate from the y4m header. */
  info: (info: VideoInfo) => void;
  /** One whole yuv420p frame (Y, U, V contiguous) in a fresh buffer the receiver may keep. */
  frame: (data: Uint8Array) => void;
  /** s16le 48 kHz stereo PCM, starting at the same instant as frame 0 (a fresh buffer). */
  audio: (chunk: Buffer) => void;
  /** Why decoding stopped early (a stream that is not 8-bit 4:2:0 y4m); exit follows. */
  error: (err: UprezError) => void;
  /** Once: the process has ended and every frame it produced has been emitted. */
  exit: (e: ProcessExit) => void;
}

/**
 * Decoder runs ffmpeg on an RTMP URL or a file and emits constant-rate yuv420p frames (parsed
 * from yuv4mpegpipe on stdout) and PCM audio (fd 3).
 *
 * Backpressure: pause() stops frame events at once (frames already parsed wait in a queue, and
 * the stdout pipe is paused so ffmpeg blocks); resume() continues. Audio is never paused: it is
 * small, and pausing it could starve an encoder waiting for audio (the audio pipe stops anyway
 * when ffmpeg blocks on video).
 */
export class Decoder extends TypedEmitter<DecoderEvents> {
  private readonly proc: SupervisedProcess;
  private readonly feed: FeedSource | null;
  private feedSink: Writable | null = null;
  private readonly parser = new Y4mParser();
  private readonly log: Logger;
  private readonly queue: Uint8Array[] = [];
  private info: VideoInfo | null = null;
  private paused = false;
  private frames = 0;
  private videoDone = false;
  private audioDone = false;
  private processExit: ProcessExit | null = null;
  private exitEmitted = false;
  private closing: Promise<ProcessExit> | null = null;
  private resolveExit!: (e: ProcessExit) => void;
  private readonly exitPromise = new Promise<ProcessExit>((r) => (this.resolveExit = r));

  constructor(private readonly opts: DecoderOptions) {
    super();
    this.log = opts.log.child({ stage: 'decoder' });
    this.feed = typeof opts.input === 'string' ? null : opts.input;
    const args = buildDecoderArgs({
      input: typeof opts.input === 'string' ? opts.input : FLV_STDIN,
      hasAudio: opts.hasAudio,
      realtime: opts.realtime,
      fps: opts.fps,
      rwTimeoutMs: opts.rwTimeoutMs,
      size: opts.size,
      seekSeconds: opts.seekSeconds,
    });
    this.proc = new SupervisedProcess({
      name: 'decoder',
      bin: opts.binaries.ffmpeg,
      args,
      log: this.log,
      extraPipes: opts.hasAudio ? 1 : 0,
      stdin: this.feed ? 'pipe' : 'ignore',
      redact: redactorFor(typeof opts.input === 'string' ? [opts.input] : []),
      // A feed's decoder ends when the feed ends its stdin; it is never asked to wait longer.
      graceMs: 2000,
      killTimeoutMs: 2000,
    });
  }

  /** videoInfo is the stream's size and rate once known. */
  get videoInfo(): VideoInfo | null {
    return this.info;
  }

  /** picturesFed counts video pictures the feed wrote to this decoder (0 for files and URLs). */
  get picturesFed(): number {
    return this.feedSink ? (this.feed?.picturesWrittenToSink ?? 0) : 0;
  }

  /** framesEmitted counts frame events so far. */
  get framesEmitted(): number {
    return this.frames;
  }

  /** pid of the ffmpeg process while it runs. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** start spawns ffmpeg and begins emitting. */
  start(): void {
    if (this.closing) return;
    this.proc.start();
    const stdin = this.proc.stdin;
    if (this.feed && stdin) {
      this.feedSink = stdin;
      this.feed.attach(stdin);
    }
    const stdout = this.proc.stdout;
    if (stdout) {
      stdout.on('data', (chunk: Buffer) => this.onVideo(chunk));
      if (this.paused) stdout.pause(); // pause() before start(): a 'data' listener would set it flowing
      stdout.once('close', () => {
        this.videoDone = true;
        this.maybeExit();
      });
    } else this.videoDone = true;
    const audio: Duplex | null = this.opts.hasAudio ? this.proc.pipe(DECODER_AUDIO_FD) : null;
    if (audio) {
      audio.on('data', (chunk: Buffer) => {
        if (!this.closing) this.emit('audio', chunk);
      });
      audio.once('close', () => {
        this.audioDone = true;
        this.maybeExit();
      });
    } else this.audioDone = true;
    void this.proc.exited.then((e) => {
      if (this.feedSink) this.feed?.detach(this.feedSink);
      this.processExit = e;
      this.maybeExit();
    });
  }

  /** pause stops frame events (and reading video from ffmpeg) until resume(). */
  pause(): void {
    this.paused = true;
    this.proc.stdout?.pause();
  }

  /** resume restarts frame events after pause(). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.drain();
    if (!this.paused) this.proc.stdout?.resume();
    this.maybeExit();
  }

  /** close stops ffmpeg now (frames not yet emitted are discarded); resolves with the exit. Idempotent. */
  close(): Promise<ProcessExit> {
    if (!this.closing) {
      this.closing = (async () => {
        this.queue.length = 0;
        if (this.feedSink) this.feed?.detach(this.feedSink);
        // Closing our read ends first makes a blocked ffmpeg fail its write and exit at once.
        this.proc.stdout?.destroy();
        this.proc.pipe(DECODER_AUDIO_FD)?.destroy();
        const e = await this.proc.stop();
        this.videoDone = true;
        this.audioDone = true;
        this.processExit = e;
        this.maybeExit();
        return this.exitPromise;
      })();
    }
    return this.closing;
  }

  private onVideo(chunk: Buffer): void {
    if (this.closing) return;
    try {
      for (const frame of this.parser.push(chunk)) this.queue.push(frame);
    } catch (err) {
      const e = err instanceof UprezError ? err : new UprezError('Y4M_INVALID', errorMessage(err));
      this.log.error('decoder output is unusable, stopping', { code: e.code, err: e.message });
      this.emit('error', e);
      void this.close();
      return;
    }
    this.drain();
  }

  private drain(): void {
    const header = this.parser.header;
    if (!this.info && header) {
      this.info = { width: header.width, height: header.height, fpsNum: header.fpsNum, fpsDen: header.fpsDen };
      this.log.info('decoding', {
        size: `${header.width}x${header.height}`,
        fps: `${header.fpsNum}/${header.fpsDen}`,
        interlace: header.interlace,
      });
      this.emit('info', this.info);
    }
    while (!this.paused && !this.closing && this.queue.length) {
      const frame = this.queue.shift() as Uint8Array;
      this.frames++;
      this.emit('frame', frame);
    }
  }

  private maybeExit(): void {
    if (this.exitEmitted || !this.processExit || !this.videoDone || !this.audioDone) return;
    if (this.queue.length && !this.closing) return; // emitted after resume() drains the queue
    this.exitEmitted = true;
    const leftover = this.parser.end();
    if (leftover && !this.closing) this.log.warn('video ended mid-frame; partial frame dropped', { ...leftover });
    const e = this.processExit;
    this.log.info('decoder finished', { frames: this.frames, code: e.code, signal: e.signal });
    this.resolveExit(e);
    this.emit('exit', e);
  }
}

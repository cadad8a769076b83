import { mkdirSync, rmSync } from 'node:fs';
import { stat, statfs } from 'node:fs/promises';
import { appendEndList, lastSequence } from '../hls/live-playlists.js';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { VideoInfo } from '../decode/video-info.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import { redactorFor } from '../ffmpeg/redact.js';
import { SupervisedProcess, type ProcessExit } from '../ffmpeg/supervised-process.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import { frameGeometry } from '../upscale/frame.js';
import { ENCODER_AUDIO_FD, HLS_LAYOUT, buildEncoderArgs } from './encoder-args.js';
import { buildLadder, type Rung } from './ladder.js';
import type { PushOutput } from './push-output.js';
import type { VideoEncoder, X264Preset } from './video-codec.js';
import { SegmentWatcher } from './segment-watcher.js';
import { Y4M_FRAME_MARKER, y4mStreamHeader } from './y4m-header.js';

/** EncoderOptions configure one encoder ffmpeg (one stream's HLS ladder). */
export interface EncoderOptions {
  binaries: FfmpegBinaries;
  outDir: string;
  /** The decoder's (source) size and rate; frames written are source x scale. */
  source: VideoInfo;
  scale: number;
  hasAudio: boolean;
  /** Segment length, seconds. Default 2. */
  segmentSeconds?: number;
  /** Live sliding-window playlists (default) or EVENT playlists keeping every segment. */
  live?: boolean;
  log: Logger;
  /** Audio buffered in node before writeAudio returns false. Default 5 s. */
  audioBufferSeconds?: number;
  /** Frames buffered in node before writeFrame returns false. Default 4. */
  videoBufferFrames?: number;
  /** First segment number, to continue numbering after a restart. Default 0. */
  startNumber?: number;
  /**
   * Live: continue the playlists a previous encoder left in outDir (after a crash or a publisher
   * reconnect): numbering goes on, the first new segment carries #EXT-X-DISCONTINUITY, and the
   * master playlist stays in place for viewers meanwhile. Default false (start over).
   */
  append?: boolean;
  /** Live window, in segments (default 6). */
  listSize?: number;
  /** close(): how long ffmpeg may take to finish after EOF before it is killed. Default 2000 ms. */
  closeGraceMs?: number;
  /** Segments of exactly this many frames (file jobs; see EncoderArgsOptions.segmentFrames). */
  segmentFrames?: number;
  /** Shift every output timestamp by this many seconds (a resumed file job). */
  outputTsOffsetSeconds?: number;
  /** Also push the top rung and the audio to an RTMP(S) server (uprez restream --to). */
  push?: PushOutput;
  /** Extra rung heights between the source and the upscaled size, e.g. [2160] (see buildLadder). */
  extraRungHeights?: readonly number[];
  /** H.264 encoder: x264 (default) or nvenc. */
  videoEncoder?: VideoEncoder;
  /** x264's speed preset (default veryfast). */
  x264Preset?: X264Preset;
}

/** EncoderEvents are what an Encoder emits. */
export interface EncoderEvents {
  /** After a write returned false: every buffer is back under its bound. */
  drain: () => void;
  /** A rung's new segment is complete (absolute path). */
  segment: (rung: string, file: string) => void;
  /** Once, when ffmpeg has ended and the last segments were reported. */
  exit: (e: ProcessExit) => void;
}

/** stderr lines that mean the output directory cannot take more (disk full, read-only, no permission). */
const OUTPUT_WRITE_FAILURE = /No space left on device|Read-only file system|Permission denied|Disk quota exceeded/i;

/** Memory cap for ffmpeg's queue of raw video frames (whole frames are queued). */
const VIDEO_QUEUE_BYTES = 256 * 1024 * 1024;
/** ffmpeg's raw PCM input packets are 4096 bytes (1024 samples, 21 ms): 1024 of them is ~21 s. */
const AUDIO_QUEUE_PACKETS = 1024;

/**
 * Encoder runs one ffmpeg that reads upscaled yuv420p frames (y4m on stdin; the header is written
 * here from source x scale) and s16le 48 kHz stereo (fd 3), and writes an HLS ladder into outDir:
 * master.m3u8 plus `<rung>/index.m3u8` and `<rung>/seg_NNNNN.ts` for each rung of buildLadder()
 * (rung names like "720p"). Video timestamps come from the frame count, audio's from the sample
 * count: the inputs must start at the same instant (the Decoder ensures it).
 *
 * Deadlock hazard and the policy for callers: video reaches the encoder up to the latency budget
 * after its audio (the upscale stage sits between). Audio must therefore never be what stops the
 * pipeline: ffmpeg opens both inputs without probing (it opens them one at a time, and probing
 * the audio reads ~1 s of it while no video is read), reads them on their own threads with deep
 * queues (audio ~21 s), and node buffers up to audioBufferSeconds (default 5 s) more before
 * writeAudio returns false. A
 * caller must keep writing audio and must NOT pause the decoder for audio backpressure unless
 * writeAudio returned false (the bound is passed: the encoder is genuinely stuck), and then only
 * until `drain`. writeFrame returning false is ordinary backpressure: pause the frame source
 * until `drain`. Nothing is ever dropped while ffmpeg runs.
 */
export class Encoder extends TypedEmitter<EncoderEvents> {
  /** The ladder being encoded, largest first. */
  readonly rungs: readonly Rung[];
  /** Absolute path of the master playlist. */
  readonly masterPlaylist: string;
  private readonly input: VideoInfo;
  private readonly frameBytes: number;
  private readonly proc: SupervisedProcess;
  private readonly watcher: SegmentWatcher;
  private readonly log: Logger;
  private readonly videoLimit: number;
  private readonly audioLimit: number;
  private videoBlocked = false;
  private audioBlocked = false;
  /** A write returned false, so a `drain` is owed. */
  private owesDrain = false;
  private frames = 0;
  private audioBytes = 0;
  private discarded = 0;
  private started = false;
  private inputsEnded = false;
  private fatal: string | null = null;
  private ending: Promise<ProcessExit> | null = null;
  private closing: Promise<ProcessExit> | null = null;
  private readonly exitPromise: Promise<ProcessExit>;

  constructor(private readonly opts: EncoderOptions) {
    super();
    this.log = opts.log.child({ stage: 'encoder' });
    this.rungs = buildLadder(opts.source, opts.scale, opts.hasAudio, opts.extraRungHeights);
    this.input = { ...opts.source, width: opts.source.width * opts.scale, height: opts.source.height * opts.scale };
    this.frameBytes = frameGeometry(this.input.width, this.input.height).frameSize;
    this.videoLimit = (opts.videoBufferFrames ?? 4) * (this.frameBytes + Y4M_FRAME_MARKER.length);
    this.audioLimit = Math.round((opts.audioBufferSeconds ?? 5) * PCM_FORMAT.bytesPerSecond);
    this.masterPlaylist = path.join(opts.outDir, HLS_LAYOUT.master);
    const args = buildEncoderArgs({
      outDir: opts.outDir,
      input: this.input,
      rungs: this.rungs,
      hasAudio: opts.hasAudio,
      segmentSeconds: opts.segmentSeconds ?? 2,
      live: opts.live ?? true,
      videoQueue: Math.max(8, Math.min(64, Math.floor(VIDEO_QUEUE_BYTES / this.frameBytes))),
      audioQueue: AUDIO_QUEUE_PACKETS,
      startNumber: opts.startNumber,
      videoEncoder: opts.videoEncoder,
      x264Preset: opts.x264Preset,
      append: opts.append,
      listSize: opts.listSize,
      segmentFrames: opts.segmentFrames,
      outputTsOffsetSeconds: opts.outputTsOffsetSeconds,
      push: opts.push,
    });
    this.proc = new SupervisedProcess({
      name: 'encoder',
      bin: opts.binaries.ffmpeg,
      args,
      log: this.log,
      extraPipes: opts.hasAudio ? 1 : 0,
      stdout: 'ignore',
      // end(): ffmpeg gets EOF and must still encode what is queued and write ENDLIST.
      graceMs: 15_000,
      killTimeoutMs: 3000,
      onStderrLine: (line) => this.onStderrLine(line),
      // A restream destination's last path segment is its stream key (a credential).
      redact: redactorFor(opts.push ? [opts.push.url] : []),
    });
    this.watcher = new SegmentWatcher({
      outDir: opts.outDir,
      rungs: this.rungs.map((r) => r.name),
      onSegment: (rung, file) => {
        this.emit('segment', rung, file);
        void this.checkSegment(file);
      },
    });
    this.exitPromise = this.proc.exited.then(async (e) => {
      await this.watcher.close();
      if (this.discarded) this.log.warn('writes after the encoder exited were discarded', { count: this.discarded });
      this.log.info('encoder finished', { frames: this.frames, code: e.code, signal: e.signal });
      this.emit('exit', e);
      return e;
    });
  }

  /** framesWritten counts frames accepted by writeFrame. */
  get framesWritten(): number {
    return this.frames;
  }

  /** frameSize is the byte size writeFrame expects (one upscaled yuv420p frame). */
  get frameSize(): number {
    return this.frameBytes;
  }

  /** failure is the stderr line for which the encoder stopped itself (an unwritable output), or null. */
  get failure(): string | null {
    return this.fatal;
  }

  /** hasExited says whether ffmpeg has ended (on its own, by end() or by close()). */
  get hasExited(): boolean {
    return this.proc.hasExited;
  }

  /** pid of the ffmpeg process while it runs. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** start prepares outDir (removing a previous run's playlists unless appending) and spawns ffmpeg. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    mkdirSync(this.opts.outDir, { recursive: true });
    const append = this.appending();
    // Stale playlists would be served to players (and re-reported as segments) until ffmpeg overwrites them.
    if (!append) rmSync(this.masterPlaylist, { force: true });
    for (const r of this.rungs) {
      mkdirSync(path.join(this.opts.outDir, r.name), { recursive: true });
      const media = path.join(this.opts.outDir, r.name, HLS_LAYOUT.media);
      // Appending: the segments already listed were reported by the encoder that wrote them.
      if (append) this.watcher.skipThrough(r.name, lastSequence(media));
      else rmSync(media, { force: true });
    }
    this.proc.start();
    const stdin = this.proc.stdin;
    stdin?.on('drain', () => {
      this.videoBlocked = false;
      this.maybeDrain();
    });
    this.audioPipe()?.on('drain', () => {
      this.audioBlocked = false;
      this.maybeDrain();
    });
    stdin?.write(y4mStreamHeader(this.input));
    this.watcher.start();
    this.log.info('encoding', {
      input: `${this.input.width}x${this.input.height}`,
      rungs: this.rungs.map((r) => `${r.name}@${Math.round(r.videoBitrate / 1000)}k`).join(','),
      outDir: this.opts.outDir,
    });
  }

  /**
   * writeFrame queues one upscaled yuv420p frame (exactly frameSize bytes; do not modify it
   * afterwards). Returns false when the caller should wait for `drain` before writing more; the
   * frame is queued either way. After ffmpeg has exited, frames are discarded (counted, logged)
   * and false is returned: the `exit` event is the signal to stop.
   */
  writeFrame(data: Uint8Array): boolean {
    if (data.byteLength !== this.frameBytes) {
      throw new RangeError(`frame has ${data.byteLength} bytes, ${this.input.width}x${this.input.height} yuv420p needs ${this.frameBytes}`);
    }
    const stdin = this.writable(this.proc.stdin);
    if (!stdin) return false;
    stdin.cork();
    stdin.write(Y4M_FRAME_MARKER);
    stdin.write(data);
    stdin.uncork();
    this.frames++;
    if (stdin.writableLength >= this.videoLimit) this.videoBlocked = true;
    if (this.videoBlocked) this.owesDrain = true;
    return !this.videoBlocked;
  }

  /**
   * writeAudio queues s16le 48 kHz stereo PCM. Returns false only when more than
   * audioBufferSeconds is buffered (see the class comment for what the caller should do).
   */
  writeAudio(chunk: Buffer): boolean {
    if (!this.opts.hasAudio) throw new Error('writeAudio on an encoder created with hasAudio: false');
    const pipe = this.writable(this.audioPipe());
    if (!pipe) return false;
    pipe.write(chunk);
    this.audioBytes += chunk.length;
    if (pipe.writableLength >= this.audioLimit) this.audioBlocked = true;
    if (this.audioBlocked) this.owesDrain = true;
    return !this.audioBlocked;
  }

  /**
   * end closes both inputs and waits for ffmpeg to encode what is queued. The playlists then end
   * with #EXT-X-ENDLIST, unless `endList: false` (live: the stream goes on in a later encoder,
   * see `append`; finishPlaylists() ends them later if it does not). Idempotent: the first call's
   * `endList` holds.
   */
  end(opts: { endList?: boolean } = {}): Promise<ProcessExit> {
    if (this.closing) return this.closing;
    if (!this.ending) {
      const endList = opts.endList ?? true;
      this.ending = (async () => {
        this.inputsEnded = true;
        this.log.info(endList ? 'input ended, finishing playlists' : 'input ended, playlists left open', {
          frames: this.frames,
          audioSeconds: +(this.audioBytes / PCM_FORMAT.bytesPerSecond).toFixed(2),
        });
        await this.proc.stop(); // ends stdin and fd 3 (after what is buffered), waits, escalates if stuck
        const exit = await this.exitPromise;
        if (endList) this.finishPlaylists();
        return exit;
      })();
    }
    return this.ending;
  }

  /**
   * finishPlaylists writes #EXT-X-ENDLIST into every rung's media playlist that lacks it (live
   * encoders leave it to us). Only once ffmpeg has exited; a no-op for playlists not written.
   */
  finishPlaylists(): void {
    if (!this.proc.hasExited) throw new Error('finishPlaylists() while the encoder still runs');
    for (const r of this.rungs) appendEndList(path.join(this.opts.outDir, r.name, HLS_LAYOUT.media));
  }

  /** mediaPlaylists are the absolute paths of each rung's media playlist, largest rung first. */
  get mediaPlaylists(): string[] {
    return this.rungs.map((r) => path.join(this.opts.outDir, r.name, HLS_LAYOUT.media));
  }

  private appending(): boolean {
    return (this.opts.live ?? true) && this.opts.append === true;
  }

  /**
   * close tears the encoder down now: buffered input is discarded, ffmpeg gets EOF (and still
   * finishes its last segment if it can within closeGraceMs) or is killed. The playlists then end
   * with #EXT-X-ENDLIST unless `endList: false`. Idempotent; resolves once ffmpeg is dead.
   */
  close(opts: { endList?: boolean } = {}): Promise<ProcessExit> {
    if (!this.closing) {
      const endList = opts.endList ?? true;
      this.closing = (async () => {
        this.inputsEnded = true;
        if (!this.started) {
          await this.proc.stop();
          return this.exitPromise;
        }
        // Destroying our ends closes the fds: ffmpeg reads EOF at once instead of our backlog.
        this.proc.stdin?.destroy();
        this.audioPipe()?.destroy();
        const stopped = this.proc.stop();
        const inTime = await Promise.race([stopped.then(() => true), delay(this.opts.closeGraceMs ?? 2000).then(() => false)]);
        if (!inTime) await this.proc.kill();
        const exit = await this.exitPromise;
        if (endList) this.finishPlaylists();
        return exit;
      })();
    }
    return this.closing;
  }

  /**
   * ffmpeg's HLS muxer logs a failed segment or playlist write and carries on encoding into
   * nothing. An output that cannot be written is fatal here: stop ffmpeg so the owner sees an
   * exit (and restarts or fails the stream with this line as the reason).
   */
  private onStderrLine(line: string): void {
    if (OUTPUT_WRITE_FAILURE.test(line)) this.outputFailed(line);
  }

  /**
   * ffmpeg 5.1's file writer ignores write errors (a full disk leaves empty segments and no line
   * on stderr), so each finished segment is checked: an empty one, or a disk with less free space
   * than two more like it, stops the encoder as an unwritable output.
   */
  private async checkSegment(file: string): Promise<void> {
    if (this.fatal || this.proc.hasExited) return;
    try {
      const { size } = await stat(file);
      const fsInfo = await statfs(file);
      const free = fsInfo.bavail * fsInfo.bsize;
      if (size === 0) this.outputFailed(`segment ${path.basename(file)} was written empty: No space left on device? (${free} bytes free)`);
      else if (free < 2 * size) this.outputFailed(`No space left on device: ${free} bytes free on the output disk, segments take ${size}`);
    } catch {
      // the live window deleted it already: nothing to check
    }
  }

  private outputFailed(line: string): void {
    if (this.fatal) return;
    this.fatal = line;
    this.log.error('cannot write the HLS output; stopping the encoder', { line });
    void this.proc.kill();
  }

  private audioPipe(): Writable | null {
    return this.opts.hasAudio ? this.proc.pipe(ENCODER_AUDIO_FD) : null;
  }

  private writable(s: Writable | null): Writable | null {
    if (this.inputsEnded || this.proc.hasExited || (s && (s.destroyed || s.writableEnded))) {
      this.discarded++;
      return null;
    }
    if (!this.started || !s) throw new Error('Encoder.start() must be called before writing');
    return s;
  }

  private maybeDrain(): void {
    if (!this.owesDrain || this.videoBlocked || this.audioBlocked || this.proc.hasExited) return;
    this.owesDrain = false;
    this.emit('drain');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

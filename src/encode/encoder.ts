import { mkdirSync, rmSync } from 'node:fs';
import { appendEndList } from '../hls/live-playlists.js';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { VideoInfo } from '../decode/video-info.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import { redactorFor } from '../ffmpeg/redact.js';
import { SupervisedProcess, type ProcessExit } from '../ffmpeg/supervised-process.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import { frameGeometry } from '../media/frame.js';
import { ENCODER_AUDIO_FD, HLS_LAYOUT, buildEncoderArgs } from './encoder-args.js';
import { buildLadder, type Rung } from './ladder.js';
import type { EncoderOptions } from './encoder-options.js';
import { LiveHls } from './live-hls.js';
import { OUTPUT_WRITE_FAILURE, segmentProblem } from './output-health.js';
import { SegmentWatcher } from './segment-watcher.js';
import { Y4M_FRAME_MARKER, y4mStreamHeader } from './y4m-header.js';
import { UprezError } from '../errors.js';
import { delay } from '../lifecycle/delay.js';

export type { EncoderOptions } from './encoder-options.js';

/** EncoderEvents are what an Encoder emits. */
export interface EncoderEvents {
  /** After a write returned false: every buffer is back under its bound. */
  drain: () => void;
  /** A rung's new segment is complete (absolute path). */
  segment: (rung: string, file: string) => void;
  /** Once, when ffmpeg has ended and the last segments were reported. */
  exit: (e: ProcessExit) => void;
}

/** Memory cap for ffmpeg's queue of raw video frames (whole frames are queued). */
const VIDEO_QUEUE_BYTES = 256 * 1024 * 1024;
/** ffmpeg's raw PCM input packets are 4096 bytes (1024 samples, 21 ms): 1024 of them is ~21 s. */
const AUDIO_QUEUE_PACKETS = 1024;

/**
 * Encoder runs one ffmpeg that reads upscaled yuv420p frames (y4m on stdin; the header is written
 * here from source x scale) and s16le 48 kHz stereo (fd 3), and writes an HLS ladder into outDir:
 * master.m3u8 plus `<rung>/index.m3u8` and media for each rung of buildLadder() (rung names like
 * "720p"). Live, the stream run's HlsWriter writes the playlists from what ffmpeg made (MPEG-TS
 * segments, or LL-HLS parts cut from fragmented MP4; see live-hls.ts); for file jobs ffmpeg's HLS
 * muxer writes `seg_NNNNN.ts` and the playlists itself. Video timestamps come from the frame
 * count, audio's from the sample count: the inputs must start at the same instant (the Decoder
 * ensures it).
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
  /** File jobs: ffmpeg's own playlists, polled for finished segments. */
  private readonly watcher: SegmentWatcher | null = null;
  /** Live: the stream run's writer side. */
  private readonly liveHls: LiveHls | null = null;
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
    // Live: a VBV of 1 s (the common live setting) keeps the BANDWIDTH bound, maxrate + VBV per
    // segment, at 1.5x maxrate for 2 s segments; file jobs keep 2 s for their quality.
    this.rungs = buildLadder(opts.source, opts.scale, opts.hasAudio, opts.extraRungHeights, (opts.live ?? true) ? 1 : 2);
    this.input = { ...opts.source, width: opts.source.width * opts.scale, height: opts.source.height * opts.scale };
    this.frameBytes = frameGeometry(this.input.width, this.input.height).frameSize;
    this.videoLimit = (opts.videoBufferFrames ?? 4) * (this.frameBytes + Y4M_FRAME_MARKER.length);
    this.audioLimit = Math.round((opts.audioBufferSeconds ?? 5) * PCM_FORMAT.bytesPerSecond);
    this.masterPlaylist = path.join(opts.outDir, HLS_LAYOUT.master);
    const common = {
      outDir: opts.outDir,
      input: this.input,
      rungs: this.rungs,
      hasAudio: opts.hasAudio,
      segmentSeconds: opts.segmentSeconds ?? 2,
      videoQueue: Math.max(8, Math.min(64, Math.floor(VIDEO_QUEUE_BYTES / this.frameBytes))),
      audioQueue: AUDIO_QUEUE_PACKETS,
      videoEncoder: opts.videoEncoder,
      x264Preset: opts.x264Preset,
      push: opts.push,
    };
    const onSegment = (rung: string, file: string): void => {
      this.emit('segment', rung, file);
      void this.checkSegment(file);
    };
    let args: string[];
    if (opts.live ?? true) {
      this.liveHls = new LiveHls({
        outDir: opts.outDir,
        rungs: this.rungs,
        input: this.input,
        hasAudio: opts.hasAudio,
        segmentSeconds: common.segmentSeconds,
        listSize: opts.listSize,
        hls: opts.hls,
        hlsMode: opts.hlsMode,
        log: this.log,
        onSegment,
        onError: (line) => this.outputFailed(line),
      });
      args = this.liveHls.args(common);
    } else {
      args = buildEncoderArgs({
        ...common,
        live: false,
        startNumber: opts.startNumber,
        segmentFrames: opts.segmentFrames,
        outputTsOffsetSeconds: opts.outputTsOffsetSeconds,
      });
      this.watcher = new SegmentWatcher({ outDir: opts.outDir, rungs: this.rungs.map((r) => r.name), onSegment });
    }
    const outputFds = this.liveHls?.outputFds ?? [];
    this.proc = new SupervisedProcess({
      name: 'encoder',
      bin: opts.binaries.ffmpeg,
      args,
      log: this.log,
      extraPipes: (opts.hasAudio ? 1 : 0) + outputFds.length,
      readPipes: outputFds,
      stdout: 'ignore',
      // end(): ffmpeg gets EOF and must still encode what is queued and finish its output.
      graceMs: 15_000,
      killTimeoutMs: 3000,
      onStderrLine: (line) => this.onStderrLine(line),
      // A restream destination's last path segment is its stream key (a credential).
      redact: redactorFor(opts.push ? [opts.push.url] : []),
    });
    this.exitPromise = this.proc.exited.then(async (e) => {
      await this.watcher?.close();
      await this.liveHls?.close();
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

  /** start prepares outDir and spawns ffmpeg. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    mkdirSync(this.opts.outDir, { recursive: true });
    if (this.liveHls) this.liveHls.prepare();
    else {
      // Stale playlists would be served to players (and re-reported as segments) until ffmpeg overwrites them.
      rmSync(this.masterPlaylist, { force: true });
      for (const r of this.rungs) {
        mkdirSync(path.join(this.opts.outDir, r.name), { recursive: true });
        rmSync(path.join(this.opts.outDir, r.name, HLS_LAYOUT.media), { force: true });
      }
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
    this.watcher?.start();
    this.liveHls?.attach(this.proc);
    this.log.info('encoding', {
      input: `${this.input.width}x${this.input.height}`,
      rungs: this.rungs.map((r) => `${r.name}@${Math.round(r.videoBitrate / 1000)}k`).join(','),
      outDir: this.opts.outDir,
    });
  }

  /**
   * writeFrame queues one upscaled yuv420p frame (exactly frameSize bytes; do not modify it
   * afterwards). `arrivedAt` is when the frame reached uprez (ms since the epoch, default now): it
   * becomes the segment's EXT-X-PROGRAM-DATE-TIME, so pass the ingest time where known (the
   * pipeline's Frame.arrivedAt is a performance.now(): add performance.timeOrigin).
   * Returns false when the caller should wait for `drain` before writing more; the
   * frame is queued either way. After ffmpeg has exited, frames are discarded (counted, logged)
   * and false is returned: the `exit` event is the signal to stop.
   */
  writeFrame(data: Uint8Array, arrivedAt: number = Date.now()): boolean {
    if (data.byteLength !== this.frameBytes) {
      // A frame of another size would tear the picture for every frame after it: the encoder stops
      // itself with the reason (ENCODER_FRAME_SIZE, fatal: its owner restarts or fails the stream).
      this.stopItself(
        'a frame of the wrong size reached the encoder; stopping it',
        `frame has ${data.byteLength} bytes, ${this.input.width}x${this.input.height} yuv420p needs ${this.frameBytes}`,
      );
      return false;
    }
    const stdin = this.writable(this.proc.stdin);
    if (!stdin) return false;
    stdin.cork();
    stdin.write(Y4M_FRAME_MARKER);
    stdin.write(data);
    stdin.uncork();
    this.liveHls?.frameWritten(this.frames, arrivedAt);
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
    if (!this.opts.hasAudio) throw new UprezError('ENCODER_MISUSE', 'writeAudio on an encoder created with hasAudio: false');
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
        if (endList) await this.finishPlaylists();
        return exit;
      })();
    }
    return this.ending;
  }

  /**
   * finishPlaylists ends the playlists with #EXT-X-ENDLIST: live, the stream run's writer ends the
   * run (HlsWriter.end: once the last encoder's session was published, which is the case once it
   * has exited, every playlist is ended before this returns; the promise covers closing the
   * outputs); file jobs, ENDLIST is appended to ffmpeg's playlists. Only once ffmpeg has exited.
   */
  finishPlaylists(): Promise<void> {
    if (!this.proc.hasExited) throw new UprezError('ENCODER_MISUSE', 'finishPlaylists() while the encoder still runs');
    if (this.liveHls) return this.liveHls.finish().catch((err: unknown) => this.log.error('could not end the playlists', { err }));
    for (const r of this.rungs) appendEndList(path.join(this.opts.outDir, r.name, HLS_LAYOUT.media));
    return Promise.resolve();
  }

  /** mediaPlaylists are the absolute paths of each rung's media playlist, largest rung first. */
  get mediaPlaylists(): string[] {
    return this.rungs.map((r) => path.join(this.opts.outDir, r.name, HLS_LAYOUT.media));
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
        if (endList) await this.finishPlaylists();
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
    this.liveHls?.onStderrLine(line);
  }

  /** checkSegment stops the encoder when a finished segment shows the disk is full (see segmentProblem). */
  private async checkSegment(file: string): Promise<void> {
    if (this.fatal || this.proc.hasExited) return;
    const problem = await segmentProblem(file);
    if (problem) this.outputFailed(problem);
  }

  private outputFailed(line: string): void {
    this.stopItself('cannot write the HLS output; stopping the encoder', line);
  }

  /** stopItself kills ffmpeg with a reason (failure): the owner sees the exit and restarts or fails the stream. */
  private stopItself(what: string, line: string): void {
    if (this.fatal) return;
    this.fatal = line;
    this.log.error(what, { line });
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
    if (!this.started || !s) throw new UprezError('ENCODER_MISUSE', 'Encoder.start() must be called before writing');
    return s;
  }

  private maybeDrain(): void {
    if (!this.owesDrain || this.videoBlocked || this.audioBlocked || this.proc.hasExited) return;
    this.owesDrain = false;
    this.emit('drain');
  }
}

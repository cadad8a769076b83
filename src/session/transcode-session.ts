/**
 * TranscodeSession is one decoder run and the encoder fed from it: decoder -> upscale stage ->
 * encoder, frames in order, audio straight from decoder to encoder. Live streams (a session per
 * publish connection and per restart; the playlists run on across sessions) and file jobs (one
 * session per run of a job) both drive their work through it; what differs between them (the
 * stage, the encoder's settings, what a frame's deadline is, what happens after) is the owner's.
 *
 * Backpressure: the decoder is held (DecoderHolds) while the models warm up, while the stage is
 * full (quality mode), while the encoder is behind on video, or past its audio bound. Before the
 * first frame tells the size there is no encoder: audio waits in a bounded backlog. A ladder with
 * audio whose source has none gets silence in step with the video.
 *
 * Ending: the decoder exits (end of input, a failure, or close()); the stage is flushed and the
 * encoder ended (with or without ENDLIST, as the owner says); then `end` reports what happened.
 * An encoder that dies mid-session stops the decoder: the owner decides whether to restart.
 */
import { performance } from 'node:perf_hooks';
import type { DecoderOptions } from '../decode/decoder.js';
import type { VideoInfo } from '../decode/video-info.js';
import type { EncoderOptions } from '../encode/encoder.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import { frameGeometry, type Frame, type FrameGeometry, type UpscaledFrame } from '../media/frame.js';
import { ArrivalClock } from './arrival-clock.js';
import { DecoderHolds } from './decoder-holds.js';
import type { DecoderPort, EncoderPort, SessionFactories, StagePort } from './session-ports.js';

/** Audio kept while there is no encoder yet (before the first frame tells the size): 4 s. */
const PENDING_AUDIO_BYTES = 4 * PCM_FORMAT.bytesPerSecond;

/** While draining: a decoder that delivers nothing for this long, and is not held by us, is stopped. */
const DRAIN_IDLE_MS = 3_000;

/** SessionSetup is what the owner decides once the decoder says what it delivers. */
export interface SessionSetup {
  readonly stage: StagePort;
  /** The encoder's settings (binaries, out dir, append, segment plan…), minus the source, which the session fills in. */
  readonly encoder: Omit<EncoderOptions, 'source'>;
  /** Warm the stage at this size before frames flow (the decoder waits meanwhile). */
  readonly warmUp: boolean;
}

/** TranscodeSessionOptions: the input, the audio situation, and the owner's decisions. */
export interface TranscodeSessionOptions {
  readonly id: number;
  readonly input: string | FeedSource;
  /** The ladder carries audio. */
  readonly ladderAudio: boolean;
  /** The source carries audio (false with ladderAudio: silence is written in step with the video). */
  readonly sourceAudio: boolean;
  /** Extra decoder settings (fixed size/rate for a later session of a stream, a seek, a forced rate). */
  readonly decoder?: Pick<DecoderOptions, 'size' | 'fps' | 'seekSeconds' | 'realtime'>;
  /** ENDLIST when the session ends (files: yes; live: no, the stream may go on in another session). */
  readonly endList: boolean;
  /**
   * setup decides the stage and the encoder once the decoder says what it delivers; returning
   * a string refuses (the session stops with that reason: e.g. a size the ladder cannot take).
   */
  setup(info: VideoInfo): SessionSetup | string;
  /** frame builds the Frame for the seq-th decoded picture (the owner knows pts and deadline). */
  frame(seq: number, data: Uint8Array, geometry: FrameGeometry, arrivedAt: number): Frame;
  readonly factories: SessionFactories;
  readonly binaries: DecoderOptions['binaries'];
  readonly log: Logger;
}

/** SessionEnd is how a session ended. */
export interface SessionEnd {
  readonly decoderExit: ProcessExit;
  /** null: no encoder was started (the input ended before a frame, or setup refused). */
  readonly encoderExit: ProcessExit | null;
  /** The encoder died under the session (the owner's restart counts it as the encoder's). */
  readonly encoderFailed: boolean;
  /** The encoder's own reason for stopping (an unwritable output), when it gave one. */
  readonly encoderFailure: string | null;
  /** setup refused the stream, with this reason. */
  readonly refused: string | null;
  /** drain() had to stop a decoder that had not finished (too far behind, or stuck). */
  readonly cutShort: boolean;
  readonly framesIn: number;
  readonly framesOut: number;
  /** Pictures a feed wrote to the decoder, and frames it delivered (what a crash lost is the difference). */
  readonly picturesFed: number;
  readonly framesDecoded: number;
}

/** SessionEvents: `info` once the size is known, `output` per frame out of the stage, `segment`, `end` once. */
export interface SessionEvents {
  info: (info: VideoInfo, encoder: EncoderPort) => void;
  /** `written`: false when no encoder could take it (it died, or the session is ending). */
  output: (f: UpscaledFrame, written: boolean) => void;
  segment: (rung: string, file: string) => void;
  end: (e: SessionEnd) => void;
}

/** TranscodeSession: see the file comment. */
export class TranscodeSession extends TypedEmitter<SessionEvents> {
  private readonly decoder: DecoderPort;
  private readonly holds: DecoderHolds;
  private readonly log: Logger;
  private stage: StagePort | null = null;
  private unsubscribe: (() => void) | null = null;
  private encoder: EncoderPort | null = null;
  private info: VideoInfo | null = null;
  private geometry: FrameGeometry | null = null;
  private pendingAudio: Buffer[] = [];
  private pendingAudioBytes = 0;
  private silenceCarry = 0;
  private seq = 0;
  private framesOut = 0;
  private lastFrameAt = 0;
  private encoderFailed = false;
  private refused: string | null = null;
  private cutShort = false;
  private ending = false;
  private closed = false;
  private ended: SessionEnd | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** Dates frames by when their pictures came in (a backlog makes them late). */
  private readonly arrivals: ArrivalClock;

  constructor(private readonly opts: TranscodeSessionOptions) {
    super((event, err) => opts.log.error('session listener threw', { event, err: err instanceof Error ? err.message : String(err) }));
    this.log = opts.log;
    this.arrivals = new ArrivalClock(typeof opts.input === 'string' ? null : opts.input);
    this.decoder = opts.factories.createDecoder({
      binaries: opts.binaries,
      input: opts.input,
      hasAudio: opts.ladderAudio && opts.sourceAudio,
      log: opts.log,
      ...opts.decoder,
    });
    this.holds = new DecoderHolds(
      () => this.decoder.pause(),
      () => this.decoder.resume(),
    );
  }

  /** id is the session's number within its stream or job. */
  get id(): number {
    return this.opts.id;
  }

  /** input is what the decoder reads. */
  get input(): string | FeedSource {
    return this.opts.input;
  }

  /** currentEncoder is the session's encoder once the size is known. */
  get currentEncoder(): EncoderPort | null {
    return this.encoder;
  }

  /** isEnding says whether the decoder has exited and the session is finishing. */
  get isEnding(): boolean {
    return this.ending;
  }

  /** start spawns the decoder. */
  start(): void {
    this.decoder.on('info', (i) => this.onInfo(i));
    this.decoder.on('frame', (d) => this.onFrame(d));
    this.decoder.on('audio', (c) => this.onAudio(c));
    this.decoder.on('exit', (e) => void this.onDecoderExit(e));
    this.decoder.start();
  }

  /**
   * drain lets the decoder finish what its input holds (the input has ended) and stops it once it
   * has delivered nothing for DRAIN_IDLE_MS while not held by us, or after `maxMs` in all: then
   * the session ends `cutShort`. Resolves when the session has ended.
   */
  drain(maxMs: number, inputPending: () => boolean = () => false): Promise<SessionEnd> {
    if (!this.ended && !this.watchdog) {
      const t0 = performance.now();
      this.lastFrameAt = Math.max(this.lastFrameAt, t0);
      this.watchdog = setInterval(() => {
        const now = performance.now();
        // Held by us (warm-up, backpressure) or still reading input it has not taken: not idle.
        if (this.holds.held || inputPending()) this.lastFrameAt = now;
        const idle = now - this.lastFrameAt >= DRAIN_IDLE_MS;
        if (!idle && now - t0 < maxMs) return;
        this.stopWatchdog();
        this.log.warn(idle ? 'decoder idle while draining, stopping it' : 'decoder did not drain in time, stopping it', { maxMs });
        this.cutShort = true;
        void this.decoder.close();
      }, 250);
      this.watchdog.unref();
    }
    return this.whenEnded();
  }

  /** stop ends the session early: the decoder is stopped, what it had decoded still goes through. */
  stop(): Promise<SessionEnd> {
    void this.decoder.close();
    return this.whenEnded();
  }

  /** close tears the session down now (frames in flight are dropped); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatchdog();
    this.unsubscribe?.();
    await Promise.allSettled([this.decoder.close(), this.encoder?.close({ endList: false })]);
  }

  private endWaiters: ((e: SessionEnd) => void)[] = [];

  private whenEnded(): Promise<SessionEnd> {
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((r) => this.endWaiters.push(r));
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private onInfo(info: VideoInfo): void {
    if (this.ending || this.closed || this.info) return;
    const setup = this.opts.setup(info);
    if (typeof setup === 'string') {
      this.refused = setup;
      this.log.error('the stream cannot go on in this session', { why: setup });
      void this.decoder.close();
      return;
    }
    this.info = info;
    this.geometry = frameGeometry(info.width, info.height);
    this.stage = setup.stage;
    this.unsubscribe = setup.stage.onOutput((f) => this.onUpscaled(f));
    const encoder = this.opts.factories.createEncoder({ ...setup.encoder, source: info });
    this.encoder = encoder;
    encoder.on('drain', () => {
      this.holds.set('audio', false);
      this.holds.set('encoder', false);
    });
    encoder.on('segment', (rung, file) => this.emit('segment', rung, file));
    encoder.on('exit', (e) => this.onEncoderExit(e));
    encoder.start();
    for (const chunk of this.pendingAudio) this.writeAudio(chunk);
    this.pendingAudio = [];
    this.pendingAudioBytes = 0;
    this.emit('info', info, encoder);
    if (!setup.warmUp) return;
    const stage = setup.stage;
    const g = this.geometry;
    this.holds.set('warm_up', true);
    void stage
      .warmUp(g)
      .catch((err: unknown) =>
        this.log.warn('model warm-up failed; frames take bicubic until it answers', {
          err: err instanceof Error ? err.message : String(err),
        }),
      )
      .finally(() => this.holds.set('warm_up', false));
  }

  private onFrame(data: Uint8Array): void {
    const stage = this.stage;
    const g = this.geometry;
    if (this.ending || this.closed || !stage || !g) return;
    const now = performance.now();
    this.lastFrameAt = now;
    const seq = this.seq++;
    stage.push(this.opts.frame(seq, data, g, this.arrivals.arrivedAt(seq, now)));
    if (!this.holds.has('stage')) {
      this.holds.set('stage', true);
      void stage.whenReady().then(() => this.holds.set('stage', false));
    }
  }

  private onAudio(chunk: Buffer): void {
    if (this.closed) return;
    if (this.encoder) {
      this.writeAudio(chunk);
      return;
    }
    if (this.pendingAudioBytes + chunk.length <= PENDING_AUDIO_BYTES) {
      this.pendingAudio.push(chunk);
      this.pendingAudioBytes += chunk.length;
    }
  }

  /** writeAudio queues PCM; past the encoder's audio bound (it is stuck) the decoder waits for drain. */
  private writeAudio(chunk: Buffer): void {
    if (this.encoder && !this.encoder.writeAudio(chunk)) this.holds.set('audio', true);
  }

  private onUpscaled(f: UpscaledFrame): void {
    const encoder = this.encoder;
    if (!encoder || this.encoderFailed || this.closed) {
      this.emit('output', f, false);
      return;
    }
    this.framesOut++;
    // The frame's arrival (wall clock) dates its segment: EXT-X-PROGRAM-DATE-TIME.
    const more = encoder.writeFrame(f.data, performance.timeOrigin + f.arrivedAt);
    if (this.opts.ladderAudio && !this.opts.sourceAudio) this.writeSilence(encoder);
    if (!more) this.holds.set('encoder', true);
    this.emit('output', f, true);
  }

  /** writeSilence writes one frame's worth of silent PCM (the ladder has audio, the source not). */
  private writeSilence(encoder: EncoderPort): void {
    const info = this.info;
    if (!info) return;
    const exact = (PCM_FORMAT.sampleRate * info.fpsDen) / info.fpsNum + this.silenceCarry;
    const samples = Math.floor(exact);
    this.silenceCarry = exact - samples;
    if (samples > 0) encoder.writeAudio(Buffer.alloc(samples * PCM_FORMAT.bytesPerFrame));
  }

  private onEncoderExit(e: ProcessExit): void {
    if (this.ending || this.closed) return;
    // Without an encoder nothing reaches viewers: end this session; the owner decides what follows.
    this.log.error('encoder exited mid-session', { code: e.code, signal: e.signal, stderr: e.stderrTail.slice(-5).join(' | ') });
    this.encoderFailed = true;
    void this.decoder.close();
  }

  private async onDecoderExit(e: ProcessExit): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.stopWatchdog();
    let encoderExit: ProcessExit | null = null;
    try {
      if (!this.closed) await this.stage?.flush();
      const enc = this.encoder;
      if (enc) encoderExit = this.closed ? await enc.close({ endList: false }) : await enc.end({ endList: this.opts.endList });
      if (encoderExit && encoderExit.code !== 0 && !this.encoderFailed && !this.closed) {
        this.log.warn('encoder exited with an error at end', {
          code: encoderExit.code,
          stderr: encoderExit.stderrTail.slice(-3).join(' | '),
        });
      }
    } catch (err) {
      this.log.error('ending the session failed', { err: err instanceof Error ? err.message : String(err) });
    }
    this.unsubscribe?.();
    const end: SessionEnd = {
      decoderExit: e,
      encoderExit,
      encoderFailed: this.encoderFailed,
      encoderFailure: this.encoder?.failure ?? null,
      refused: this.refused,
      cutShort: this.cutShort,
      framesIn: this.seq,
      framesOut: this.framesOut,
      picturesFed: this.decoder.picturesFed,
      framesDecoded: this.decoder.framesEmitted,
    };
    this.ended = end;
    for (const w of this.endWaiters.splice(0)) w(end);
    this.emit('end', end);
  }
}

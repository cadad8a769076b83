import { performance } from 'node:perf_hooks';
import { Decoder, type VideoInfo } from '../decode/decoder.js';
import { Encoder } from '../encode/encoder.js';
import type { PushOutput } from '../encode/push-output.js';
import type { VideoEncoder, X264Preset } from '../encode/video-codec.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import { initRenditions, type UprezMetrics } from '../metrics/metrics.js';
import { FALLBACK_REASONS, frameGeometry, type FallbackReason, type Frame, type FrameGeometry, type UpscaledFrame } from '../upscale/frame.js';
import type { ModelRunner } from '../upscale/model-runner.js';
import { UpscaleStage } from '../upscale/upscale-stage.js';
import { RateWindow } from './rate-window.js';
import type { FrameLossReason, RenditionSnapshot, StreamSnapshot, StreamState } from './stream-snapshot.js';

/** PipelineOptions are one stream's settings. */
export interface PipelineOptions {
  readonly key: string;
  /** What the decoder reads: a publish's feed from the ingest, or a file or URL. */
  readonly input: string | FeedSource;
  /** The ladder carries audio (fixed for the stream's life; a later session without audio gets silence). */
  readonly hasAudio: boolean;
  /** Directory receiving this stream's HLS output. */
  readonly outDir: string;
  /** URL path under which outDir is served, e.g. /hls/KEY. */
  readonly urlPath: string;
  readonly scale: number;
  readonly latencyBudgetMs: number;
  readonly maxInFlight: number;
  readonly segmentSeconds: number;
  /** H.264 encoder for the ladder. Default x264. */
  readonly videoEncoder?: VideoEncoder;
  /** x264's speed preset (default veryfast). */
  readonly x264Preset?: X264Preset;
  /** Also push the top rung (with audio) to this RTMP(S) server (a restream job's `to`). */
  readonly push?: PushOutput;
  /** Path hysteresis in the upscale stage (default on; see path-hysteresis.ts). */
  readonly hysteresis?: boolean;
  /** Live playlist window, in segments (default 6); older segments are deleted. */
  readonly listSize?: number;
  /** Decoder and encoder restarts allowed per minute before the stream is failed (default 5). */
  readonly maxRestartsPerMinute?: number;
}

/** PipelineDeps are the process-wide services a pipeline uses (it owns none of them). */
export interface PipelineDeps {
  readonly binaries: FfmpegBinaries;
  readonly runner: ModelRunner | null;
  /** The model ladder's cheaper rung, between runner and bicubic (null: none). */
  readonly fallbackRunner?: ModelRunner | null;
  readonly metrics: UprezMetrics;
  readonly log: Logger;
}


/** While draining after the publisher left: a decoder that delivers no frame for this long is stopped. */
const DRAIN_IDLE_MS = 3_000;

/** After a decoder reads end-of-input on its own, how long to wait for the ingest to say why. */
const EOF_VERDICT_MS = 1_000;

/**
 * A session is one decoder run and the encoder fed from it. A stream has a session per publish
 * connection and per restart; the playlists run on across sessions (see Encoder `append`).
 */
interface Session {
  readonly id: number;
  readonly input: string | FeedSource;
  readonly decoder: Decoder;
  encoder: Encoder | null;
  /** The ladder has audio but this publisher sends none: write silence in step with the video. */
  readonly silence: boolean;
  silenceCarry: number;
  pendingAudio: Buffer[];
  pendingAudioBytes: number;
  waitingForDrain: boolean;
  /** Set when the encoder died under this session (what the restart is counted as). */
  encoderFailed: boolean;
  /** The feed's skipped-picture count when this session began (its own skips are the difference). */
  readonly skippedAtStart: number;
  /** The drain watchdog stopped this session's decoder before it had decoded everything. */
  cutShort: boolean;
  ending: boolean;
}

/**
 * StreamPipeline owns one stream's children: the decoder ffmpeg, the upscale stage and the
 * encoder ffmpeg. Frames flow decoder -> stage -> encoder in order, one out per one in; audio
 * goes from the decoder straight to the encoder.
 *
 * Faults: a decoder or encoder that dies while the publisher is live is restarted with backoff
 * (both, as a new session: the new encoder appends to the playlists with #EXT-X-DISCONTINUITY,
 * and the master playlist stays in place), up to maxRestartsPerMinute. A publisher that drops
 * (suspend) leaves the stream `reconnecting` for a window: a republish of the key continues the
 * same playlists (reattach); otherwise, and on a clean stop (finish), the stage is flushed and
 * the playlists end with #EXT-X-ENDLIST. The ladder is fixed by the first session: a later one
 * at another size is scaled to fit.
 */
export class StreamPipeline {
  private state: StreamState = 'starting';
  private readonly startedAt = Date.now();
  private endedAt: number | null = null;
  private session: Session | null = null;
  private sessions = 0;
  /** The most recent encoder (ended or not): it knows the playlists to finish. */
  private lastEncoder: Encoder | null = null;
  private stage: UpscaleStage | null = null;
  private info: VideoInfo | null = null;
  private geometry: FrameGeometry | null = null;
  private seq = 0;
  /** performance.now() of the last decoded frame (the drain watchdog's measure of progress). */
  private lastFrameAt = 0;
  private framesOut = 0;
  private readonly lost: Record<FrameLossReason, number> = { decoder_restart: 0, encoder_down: 0, drain_timeout: 0 };
  private deadlineMisses = 0;
  private restarts = 0;
  private reconnects = 0;
  /** Why the stream failed, in a line for operators (the API shows it). */
  private failure: string | null = null;
  private readonly restartTimes: number[] = [];
  /** A clean end was asked for: no restart, no reconnect. */
  private finishing = false;
  /** The publisher dropped: the session's end waits for a reattach instead of ending the stream. */
  private suspendMs: number | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pendingReattach: { input: string | FeedSource; sourceAudio: boolean } | null = null;
  private finalizing = false;
  private closed = false;
  private warming: Frame[] | null = null;
  private readonly outRate = new RateWindow(5_000);
  private resolveDone!: () => void;
  /** done resolves once the stream has ended (playlists finished) or failed. */
  readonly done: Promise<void> = new Promise((r) => (this.resolveDone = r));
  private readonly log: Logger;

  constructor(
    private readonly opts: PipelineOptions,
    private readonly deps: PipelineDeps,
  ) {
    this.log = deps.log.child({ stream: opts.key });
  }

  /** key is the stream key. */
  get key(): string {
    return this.opts.key;
  }

  /** isEnded says whether the pipeline has finished (ended or failed). */
  get isEnded(): boolean {
    return this.state === 'ended' || this.state === 'failed';
  }

  /** isReconnecting says whether the stream waits for its dropped publisher to come back. */
  get isReconnecting(): boolean {
    return this.state === 'reconnecting';
  }

  /** mediaPlaylists are the absolute paths of the rungs' media playlists, once the ladder is known. */
  get mediaPlaylists(): readonly string[] {
    return this.lastEncoder?.mediaPlaylists ?? [];
  }

  /** start spawns the decoder; the stage and encoder follow once the frame size is known. */
  start(): void {
    this.log.info('starting stream pipeline', { input: describeInput(this.opts.input), audio: this.opts.hasAudio });
    this.startSession(this.opts.input, this.opts.hasAudio);
  }

  /**
   * finish is called when the input has ended for good (the publisher stopped): the decoder
   * drains what it has, the stage flushes, the playlists get ENDLIST. A decoder that is still
   * delivering frames (behind under load) is given the time it needs, up to `maxMs`; one that has
   * delivered nothing for DRAIN_IDLE_MS is stopped. A stream waiting for a reconnect ends at once.
   * Resolves when that is done.
   */
  async finish(maxMs = 120_000): Promise<void> {
    if (!this.finishing && !this.isEnded) {
      this.finishing = true;
      this.pendingReattach = null;
      this.state = 'ending';
      this.log.info('publish ended, draining');
      const s = this.session;
      if (s) {
        const t0 = performance.now();
        this.lastFrameAt = Math.max(this.lastFrameAt, t0);
        const watchdog = setInterval(() => {
          const now = performance.now();
          // A decoder we hold (model warm-up, encoder backpressure) is not idle: its frames wait on us.
          // Nor is one still reading a feed the publisher filled faster than it decodes: it ends by itself.
          const input = this.session?.input;
          const feedPending = input !== undefined && typeof input !== 'string' && !input.drained;
          if (this.warming || this.session?.waitingForDrain || feedPending) this.lastFrameAt = now;
          const idle = now - this.lastFrameAt >= DRAIN_IDLE_MS;
          if (!idle && now - t0 < maxMs) return;
          clearInterval(watchdog);
          this.log.warn(idle ? 'decoder idle while draining, stopping it' : 'decoder did not drain in time, stopping it', { maxMs });
          if (this.session) this.session.cutShort = true;
          void this.session?.decoder.close();
        }, 250);
        watchdog.unref();
        void this.done.then(() => clearInterval(watchdog));
      } else if (!this.restartPending) {
        // Between sessions (waiting for a reconnect): nothing to drain.
        void this.finalize('ended');
      }
    }
    await this.done;
  }

  /**
   * suspend is called when the publisher's connection dropped without a stop: the current
   * session drains, then the stream waits up to `windowMs` for reattach() before it ends.
   */
  suspend(windowMs: number): void {
    if (this.finishing || this.isEnded) return;
    this.suspendMs = windowMs;
    this.log.warn('publisher connection lost; holding the stream for a reconnect', { windowMs });
    if (!this.session && !this.restartPending) this.awaitReconnect();
  }

  /**
   * reattach continues the stream from a new publish of the same key (after suspend, or while a
   * restart is pending). Returns false when the stream can no longer continue (it is ending).
   */
  reattach(input: string | FeedSource, sourceAudio: boolean): boolean {
    if (this.finishing || this.isEnded || this.closed) return false;
    this.suspendMs = null;
    this.reconnects++;
    this.log.info('publisher reconnected; continuing the stream', { audio: sourceAudio });
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.session || this.restartPending) {
      // The old session is still draining (or a restart is due): start once it is done.
      this.pendingReattach = { input, sourceAudio };
    } else {
      this.startSession(input, sourceAudio);
    }
    return true;
  }

  /** close tears everything down at once (shutdown past its grace period); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.finishing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.session;
    await Promise.allSettled([s?.decoder.close(), s?.encoder?.close()]);
    this.stage?.close();
    this.finishLastPlaylists();
    if (!this.isEnded) this.setEnded('failed');
  }

  private restartPending = false;
  private lastEncoderFailure: string | null = null;

  private startSession(input: string | FeedSource, sourceAudio: boolean): void {
    this.sessions++;
    const info = this.info;
    const decoder = new Decoder({
      binaries: this.deps.binaries,
      input,
      hasAudio: this.opts.hasAudio && sourceAudio,
      log: this.log,
      // The ladder is fixed by the first session: later ones are fitted to it.
      ...(info ? { size: { width: info.width, height: info.height }, fps: { num: info.fpsNum, den: info.fpsDen } } : {}),
    });
    const s: Session = {
      id: this.sessions,
      input,
      decoder,
      encoder: null,
      silence: this.opts.hasAudio && !sourceAudio,
      silenceCarry: 0,
      pendingAudio: [],
      pendingAudioBytes: 0,
      waitingForDrain: false,
      encoderFailed: false,
      skippedAtStart: typeof input === 'string' ? 0 : input.picturesSkipped,
      cutShort: false,
      ending: false,
    };
    this.session = s;
    if (this.state !== 'starting') this.state = 'starting';
    decoder.on('info', (i) => this.onInfo(s, i));
    decoder.on('frame', (data) => this.onFrame(s, data));
    decoder.on('audio', (chunk) => this.onAudio(s, chunk));
    decoder.on('exit', (e) => void this.onDecoderExit(s, e));
    decoder.start();
  }

  private onInfo(s: Session, info: VideoInfo): void {
    if (s !== this.session || s.ending) return;
    const first = !this.info;
    if (!this.info) {
      this.info = info;
      this.geometry = frameGeometry(info.width, info.height);
      this.stage = this.createStage();
    } else if (info.width !== this.info.width || info.height !== this.info.height) {
      // Cannot happen with the decoder's fixed size; refuse rather than feed the encoder wrong frames.
      this.log.error('decoder delivered another frame size than the ladder; restarting it', {
        ladder: `${this.info.width}x${this.info.height}`,
        got: `${info.width}x${info.height}`,
      });
      void s.decoder.close();
      return;
    }
    const source = this.info;
    const encoder = new Encoder({
      binaries: this.deps.binaries,
      outDir: this.opts.outDir,
      source,
      scale: this.opts.scale,
      hasAudio: this.opts.hasAudio,
      segmentSeconds: this.opts.segmentSeconds,
      listSize: this.opts.listSize,
      videoEncoder: this.opts.videoEncoder,
      x264Preset: this.opts.x264Preset,
      push: this.opts.push,
      append: !first,
      log: this.log,
    });
    s.encoder = encoder;
    this.lastEncoder = encoder;
    encoder.on('drain', () => this.onEncoderDrain(s));
    initRenditions(this.deps.metrics, this.opts.key, encoder.rungs.map((r) => r.name));
    encoder.on('segment', (rung) => this.deps.metrics.hlsSegmentsTotal.inc({ stream: this.opts.key, rendition: rung }));
    encoder.on('exit', (e) => this.onEncoderExit(s, e));
    encoder.start();
    for (const chunk of s.pendingAudio) encoder.writeAudio(chunk);
    s.pendingAudio = [];
    s.pendingAudioBytes = 0;
    this.state = 'live';
    this.log.info(first ? 'stream live' : 'stream continues', {
      input: `${info.width}x${info.height}@${(info.fpsNum / info.fpsDen).toFixed(2)}`,
      output: `${source.width * this.opts.scale}x${source.height * this.opts.scale}`,
      model: this.deps.runner?.info.name ?? 'none',
      session: s.id,
    });
    if (!first || !this.stage || !this.geometry) return;
    // Warm the model on this size so the first frames are predicted, not guessed.
    const stage = this.stage;
    this.warming = [];
    s.decoder.pause();
    void stage
      .warmUp(this.geometry)
      .catch((err: unknown) => this.log.warn('model warm-up failed; frames will take bicubic until it answers', { err }))
      .finally(() => {
        const queued = this.warming ?? [];
        this.warming = null;
        for (const f of queued) stage.push(f);
        if (this.session === s && !s.waitingForDrain) s.decoder.resume();
      });
  }

  private createStage(): UpscaleStage {
    const stage = new UpscaleStage({
      scale: this.opts.scale,
      latencyBudgetMs: this.opts.latencyBudgetMs,
      runner: this.deps.runner,
      fallbackRunner: this.deps.fallbackRunner ?? null,
      maxInFlight: this.opts.maxInFlight,
      ...(this.opts.hysteresis === false ? { hysteresis: false as const } : {}),
      log: this.log,
      observer: {
        onInference: (ms, model) => this.deps.metrics.modelInferenceSeconds.observe({ model }, ms / 1000),
      },
    });
    stage.onOutput((f) => this.onUpscaled(f));
    return stage;
  }

  private onFrame(s: Session, data: Uint8Array): void {
    const g = this.geometry;
    const info = this.info;
    if (s !== this.session || !g || !info || !this.stage || !s.encoder) return;
    const arrivedAt = performance.now();
    this.lastFrameAt = arrivedAt;
    const seq = this.seq++;
    const frame: Frame = {
      seq,
      pts: (seq * info.fpsDen) / info.fpsNum,
      arrivedAt,
      deadline: arrivedAt + this.opts.latencyBudgetMs,
      geometry: g,
      data,
    };
    if (this.warming) this.warming.push(frame);
    else this.stage.push(frame);
  }

  private onAudio(s: Session, chunk: Buffer): void {
    if (s !== this.session) return;
    if (s.encoder) {
      s.encoder.writeAudio(chunk);
      return;
    }
    // Audio can arrive before the first video frame tells us the size; keep a bounded backlog.
    if (s.pendingAudioBytes + chunk.length <= 4 * PCM_FORMAT.bytesPerSecond) {
      s.pendingAudio.push(chunk);
      s.pendingAudioBytes += chunk.length;
    }
  }

  private onUpscaled(f: UpscaledFrame): void {
    const m = this.deps.metrics;
    const stream = this.opts.key;
    const now = performance.now();
    m.framesTotal.inc({ stream, path: f.path });
    if (f.model !== undefined) m.modelFramesTotal.inc({ stream, model: f.model });
    if (f.path === 'bicubic' && f.reason) m.fallbackFramesTotal.inc({ stream, reason: f.reason });
    m.upscaleFrameSeconds.observe({ stream, path: f.path }, (f.emittedAt - f.arrivedAt) / 1000);
    if (f.emittedAt > f.deadline) {
      this.deadlineMisses++;
      m.deadlineMissesTotal.inc({ stream });
    }
    const s = this.session;
    const encoder = s?.encoder;
    if (!s || !encoder || s.encoderFailed) {
      this.loseFrames('encoder_down', 1);
      return;
    }
    m.frameLatencySeconds.observe({ stream }, (now - f.arrivedAt) / 1000);
    this.framesOut++;
    this.outRate.mark(now);
    const more = encoder.writeFrame(f.data);
    if (s.silence) this.writeSilence(s, encoder);
    if (!more && !s.waitingForDrain) {
      // Backpressure: the encoder is behind; stop reading decoded frames until it drains.
      s.waitingForDrain = true;
      s.decoder.pause();
    }
  }

  /** loseFrames counts frames the publisher sent that will not reach the ladder. */
  private loseFrames(reason: FrameLossReason, n: number): void {
    if (n <= 0) return;
    this.lost[reason] += n;
    this.deps.metrics.framesLostTotal.inc({ stream: this.opts.key, reason }, n);
  }

  /**
   * countDecoderLoss counts, for a session on a publish feed that did not end cleanly, the pictures
   * fed to its decoder that never came out, and those its feed skipped to a keyframe for it.
   */
  private countDecoderLoss(s: Session, e: ProcessExit): void {
    if (typeof s.input === 'string') return;
    this.loseFrames('decoder_restart', s.input.picturesSkipped - s.skippedAtStart);
    const unDecoded = s.decoder.picturesFed - s.decoder.framesEmitted;
    if (s.cutShort) this.loseFrames('drain_timeout', unDecoded + s.input.picturesPending);
    else if (e.code !== 0 || s.encoderFailed) this.loseFrames('decoder_restart', unDecoded);
  }

  /** writeSilence writes one frame's worth of silent PCM (the ladder has audio, the publisher not). */
  private writeSilence(s: Session, encoder: Encoder): void {
    const info = this.info;
    if (!info) return;
    const exact = (PCM_FORMAT.sampleRate * info.fpsDen) / info.fpsNum + s.silenceCarry;
    const samples = Math.floor(exact);
    s.silenceCarry = exact - samples;
    if (samples > 0) encoder.writeAudio(Buffer.alloc(samples * PCM_FORMAT.bytesPerFrame));
  }

  private onEncoderDrain(s: Session): void {
    if (!s.waitingForDrain) return;
    s.waitingForDrain = false;
    if (!this.warming && this.session === s) s.decoder.resume();
  }

  private onEncoderExit(s: Session, e: ProcessExit): void {
    if (s !== this.session || s.ending || this.closed) return;
    // Without an encoder nothing reaches viewers: end this session; the restart brings both back.
    this.log.error('encoder exited mid-stream', { code: e.code, signal: e.signal, stderr: e.stderrTail.slice(-5).join(' | ') });
    s.encoderFailed = true;
    this.lastEncoderFailure = s.encoder?.failure ?? lastMeaningfulLine(e);
    void s.decoder.close();
  }

  private async onDecoderExit(s: Session, e: ProcessExit): Promise<void> {
    if (s !== this.session || this.closed) return;
    s.ending = true;
    this.countDecoderLoss(s, e);
    try {
      if (this.warming) {
        for (const f of this.warming) this.stage?.push(f);
        this.warming = null;
      }
      await this.stage?.flush();
      const exit = await s.encoder?.end({ endList: false });
      if (exit && exit.code !== 0 && !s.encoderFailed) {
        this.log.warn('encoder exited with an error at end', { code: exit.code, stderr: exit.stderrTail.slice(-3).join(' | ') });
      }
    } catch (err) {
      this.log.error('ending the session failed', { err });
    }
    if (this.session !== s || this.closed) return;
    this.session = null;
    // A decoder that read end-of-input on its own: give the ingest a moment to say why.
    if (e.code === 0 && !s.encoderFailed && !this.finishing && this.suspendMs === null && !this.pendingReattach) {
      await delay(EOF_VERDICT_MS);
      if (this.closed) return;
      if (!this.finishing && this.suspendMs === null && !this.pendingReattach) this.finishing = true; // the input simply ended
    }
    await this.next(s, e);
  }

  /** next decides what follows a finished session: end, wait for a reconnect, or restart. */
  private async next(s: Session, e: ProcessExit): Promise<void> {
    if (this.closed || this.isEnded) return;
    if (this.finishing) return this.finalize('ended');
    const reattach = this.pendingReattach;
    if (reattach) {
      this.pendingReattach = null;
      this.startSession(reattach.input, reattach.sourceAudio);
      return;
    }
    if (this.suspendMs !== null) return this.awaitReconnect();
    // The publisher is still there: a child died under us.
    const which = s.encoderFailed ? 'encoder' : 'decoder';
    if (!this.canRestart()) {
      const why = s.encoderFailed ? this.lastEncoderFailure : lastMeaningfulLine(e);
      this.failure = `${which} failed ${this.restartTimes.length + 1} times within a minute${why ? `: ${why}` : ''}`;
      this.log.error(`${which} keeps failing; ending the stream`, { code: e.code, signal: e.signal, stderr: e.stderrTail.slice(-5).join(' | ') });
      return this.finalize('failed');
    }
    this.restarts++;
    this.deps.metrics.processRestartsTotal.inc({ stream: this.opts.key, process: which });
    const delayMs = Math.min(250 * 2 ** (this.restartTimes.length - 1), 4_000);
    this.log.warn(`${which} exited, restarting`, { code: e.code, signal: e.signal, delayMs, stderr: which === 'decoder' ? e.stderrTail.slice(-3).join(' | ') : undefined });
    this.restartPending = true;
    await delay(delayMs);
    this.restartPending = false;
    if (this.closed || this.isEnded) return;
    if (this.finishing) return this.finalize('ended');
    const again = this.pendingReattach ?? (this.suspendMs === null ? { input: s.input, sourceAudio: !s.silence } : null);
    this.pendingReattach = null;
    if (again) this.startSession(again.input, again.sourceAudio);
    else this.awaitReconnect();
  }

  private awaitReconnect(): void {
    const windowMs = this.suspendMs ?? 0;
    this.state = 'reconnecting';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state !== 'reconnecting') return;
      this.log.info('publisher did not come back; ending the stream', { windowMs });
      void this.finalize('ended');
    }, windowMs);
    this.reconnectTimer.unref();
  }

  private canRestart(): boolean {
    const now = Date.now();
    while (this.restartTimes.length && (this.restartTimes[0] as number) < now - 60_000) this.restartTimes.shift();
    if (this.restartTimes.length >= (this.opts.maxRestartsPerMinute ?? 5)) return false;
    this.restartTimes.push(now);
    return true;
  }

  /** finalize ends the stream: playlists get ENDLIST (the last encoder has exited), the stage closes. */
  private async finalize(state: 'ended' | 'failed'): Promise<void> {
    if (this.finalizing || this.isEnded) return;
    this.finalizing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    try {
      this.finishLastPlaylists();
    } catch (err) {
      this.log.error('could not end the playlists', { err });
      this.failure ??= `could not end the playlists: ${err instanceof Error ? err.message : String(err)}`;
      state = 'failed';
    }
    this.stage?.close();
    this.setEnded(state);
  }

  private finishLastPlaylists(): void {
    const enc = this.lastEncoder;
    if (enc && enc.hasExited) enc.finishPlaylists();
  }

  private setEnded(state: 'ended' | 'failed'): void {
    if (this.isEnded) return;
    this.state = state;
    this.endedAt = Date.now();
    this.log.info(state === 'ended' ? 'stream ended' : 'stream failed', {
      framesIn: this.seq,
      framesOut: this.framesOut,
      framesLost: this.lost.decoder_restart + this.lost.encoder_down + this.lost.drain_timeout,
      sessions: this.sessions,
    });
    this.resolveDone();
  }

  /** snapshot reports the stream for /api/streams. */
  snapshot(renditions: readonly RenditionSnapshot[]): StreamSnapshot {
    const st = this.stage?.stats();
    const info = this.info;
    const modelFrames = st?.byPath.model ?? 0;
    const byBicubic = st?.byPath.bicubic ?? 0;
    const fallbacks = Object.fromEntries(FALLBACK_REASONS.map((r) => [r, st?.fallbacks[r] ?? 0])) as Record<FallbackReason, number>;
    return {
      key: this.opts.key,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      input: info ? { width: info.width, height: info.height, fps: info.fpsNum / info.fpsDen } : null,
      output: info ? { width: info.width * this.opts.scale, height: info.height * this.opts.scale } : null,
      scale: this.opts.scale,
      model: this.deps.runner?.info.name ?? null,
      fallbackModel: this.deps.fallbackRunner?.info.name ?? null,
      provider: this.deps.runner?.info.provider ?? null,
      latencyBudgetMs: this.opts.latencyBudgetMs,
      hasAudio: this.opts.hasAudio,
      frames: { in: this.seq, out: this.framesOut, model: modelFrames, bicubic: byBicubic, byModel: st?.byModel ?? {}, lost: { ...this.lost } },
      aiShare: modelFrames + byBicubic > 0 ? modelFrames / (modelFrames + byBicubic) : 0,
      fallbacks,
      deadlineMisses: this.deadlineMisses,
      latencyMs: { p50: st?.latencyMs.p50 ?? 0, p99: st?.latencyMs.p99 ?? 0 },
      outputFps: this.isEnded ? 0 : this.outRate.rate(performance.now()),
      restarts: this.restarts,
      reconnects: this.reconnects,
      error: this.failure,
      master: `${this.opts.urlPath}/master.m3u8`,
      renditions,
    };
  }
}

/** lastMeaningfulLine picks ffmpeg's last stderr line that says something (for an operator-facing reason). */
function lastMeaningfulLine(e: ProcessExit): string | null {
  const lines = e.stderrTail.map((l) => l.trim()).filter((l) => l && !/^(frame=|size=|\[info\]|Press \[q\])/.test(l));
  return lines.length ? (lines[lines.length - 1] as string).slice(0, 300) : e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** describeInput names the input for logs: a file or URL (credentials hidden), or the publish's feed. */
function describeInput(input: string | FeedSource): string {
  return typeof input === 'string' ? input.replace(/\/\/[^/@]*@/, '//***@').replace(/([?&](?:token|sig|key|password)=)[^&]+/gi, '$1***') : 'publish feed';
}

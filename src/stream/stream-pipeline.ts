import { performance } from 'node:perf_hooks';
import { Decoder, type VideoInfo } from '../decode/decoder.js';
import { Encoder } from '../encode/encoder.js';
import type { VideoEncoder } from '../encode/video-codec.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import type { UprezMetrics } from '../metrics/metrics.js';
import { frameGeometry, type FallbackReason, type Frame, type FrameGeometry, type UpscaledFrame } from '../upscale/frame.js';
import type { ModelRunner } from '../upscale/model-runner.js';
import { UpscaleStage } from '../upscale/upscale-stage.js';
import { RateWindow } from './rate-window.js';
import type { RenditionSnapshot, StreamSnapshot, StreamState } from './stream-snapshot.js';

/** PipelineOptions are one stream's settings. */
export interface PipelineOptions {
  readonly key: string;
  /** Where the decoder reads the stream (the ingest's loopback play URL, or a file). */
  readonly input: string;
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
  /** Decoder restarts allowed per minute before the stream is failed. */
  readonly maxRestartsPerMinute?: number;
}

/** PipelineDeps are the process-wide services a pipeline uses (it owns none of them). */
export interface PipelineDeps {
  readonly binaries: FfmpegBinaries;
  readonly runner: ModelRunner | null;
  readonly metrics: UprezMetrics;
  readonly log: Logger;
}

const REASONS: readonly FallbackReason[] = ['predicted_late', 'queue_full', 'model_error', 'no_model', 'late_result'];

/**
 * StreamPipeline owns one stream's children: the decoder ffmpeg, the upscale stage and the
 * encoder ffmpeg. Frames flow decoder -> stage -> encoder in order, one out per one in; audio
 * goes from the decoder straight to the encoder. A crashed decoder is restarted with backoff
 * while the publish lasts; when the input ends the stage is flushed and the encoder finishes
 * the playlists with #EXT-X-ENDLIST.
 */
export class StreamPipeline {
  private state: StreamState = 'starting';
  private readonly startedAt = Date.now();
  private endedAt: number | null = null;
  private decoder: Decoder | null = null;
  private stage: UpscaleStage | null = null;
  private encoder: Encoder | null = null;
  private info: VideoInfo | null = null;
  private geometry: FrameGeometry | null = null;
  private seq = 0;
  private framesOut = 0;
  private deadlineMisses = 0;
  private restarts = 0;
  private readonly restartTimes: number[] = [];
  private finishing = false;
  private closed = false;
  private warming: Frame[] | null = null;
  private pendingAudio: Buffer[] = [];
  private pendingAudioBytes = 0;
  private waitingForDrain = false;
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

  /** start spawns the decoder; the stage and encoder follow once the frame size is known. */
  start(): void {
    this.log.info('starting stream pipeline', { input: redact(this.opts.input), audio: this.opts.hasAudio });
    this.startDecoder();
  }

  /**
   * finish is called when the input has ended (the publisher left): the decoder drains what it
   * has, the stage flushes, the encoder writes ENDLIST. Resolves when that is done.
   */
  async finish(graceMs = 10_000): Promise<void> {
    if (!this.finishing) {
      this.finishing = true;
      this.state = this.isEnded ? this.state : 'ending';
      this.log.info('publish ended, draining');
      const timer = setTimeout(() => {
        this.log.warn('decoder did not drain in time, stopping it', { graceMs });
        void this.decoder?.close();
      }, graceMs);
      timer.unref();
      void this.done.then(() => clearTimeout(timer));
      if (!this.decoder) void this.endOutput();
    }
    await this.done;
  }

  /** close tears everything down at once (shutdown past its grace period); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.finishing = true;
    await Promise.allSettled([this.decoder?.close(), this.encoder?.close()]);
    this.stage?.close();
    if (!this.isEnded) this.setEnded('failed');
  }

  private startDecoder(): void {
    const decoder = new Decoder({ binaries: this.deps.binaries, input: this.opts.input, hasAudio: this.opts.hasAudio, log: this.log });
    this.decoder = decoder;
    decoder.on('info', (info) => this.onInfo(info));
    decoder.on('frame', (data) => this.onFrame(data));
    decoder.on('audio', (chunk) => this.onAudio(chunk));
    decoder.on('exit', (e) => void this.onDecoderExit(decoder, e));
    decoder.start();
  }

  private onInfo(info: VideoInfo): void {
    if (this.info) {
      if (info.width !== this.info.width || info.height !== this.info.height) {
        // The encoder's ladder is sized for the first resolution; a change needs a new ladder.
        this.log.error('source size changed after a decoder restart; ending the stream', {
          was: `${this.info.width}x${this.info.height}`,
          now: `${info.width}x${info.height}`,
        });
        this.finishing = true;
        void this.decoder?.close();
      }
      return;
    }
    this.info = info;
    const g = frameGeometry(info.width, info.height);
    this.geometry = g;
    const stage = new UpscaleStage({
      scale: this.opts.scale,
      latencyBudgetMs: this.opts.latencyBudgetMs,
      runner: this.deps.runner,
      maxInFlight: this.opts.maxInFlight,
      log: this.log,
      observer: {
        onInference: (ms) => {
          if (this.deps.runner) this.deps.metrics.modelInferenceSeconds.observe({ model: this.deps.runner.info.name }, ms / 1000);
        },
      },
    });
    stage.onOutput((f) => this.onUpscaled(f));
    this.stage = stage;
    const encoder = new Encoder({
      binaries: this.deps.binaries,
      outDir: this.opts.outDir,
      source: info,
      scale: this.opts.scale,
      hasAudio: this.opts.hasAudio,
      segmentSeconds: this.opts.segmentSeconds,
      videoEncoder: this.opts.videoEncoder,
      log: this.log,
    });
    this.encoder = encoder;
    encoder.on('drain', () => this.onEncoderDrain());
    encoder.on('segment', (rung) => this.deps.metrics.hlsSegmentsTotal.inc({ stream: this.opts.key, rendition: rung }));
    encoder.on('exit', (e) => this.onEncoderExit(e));
    encoder.start();
    for (const chunk of this.pendingAudio) encoder.writeAudio(chunk);
    this.pendingAudio = [];
    this.pendingAudioBytes = 0;
    this.state = 'live';
    this.log.info('stream live', {
      input: `${info.width}x${info.height}@${(info.fpsNum / info.fpsDen).toFixed(2)}`,
      output: `${info.width * this.opts.scale}x${info.height * this.opts.scale}`,
      model: this.deps.runner?.info.name ?? 'none',
    });
    // Warm the model on this size so the first frames are predicted, not guessed.
    this.warming = [];
    this.decoder?.pause();
    void stage
      .warmUp(g)
      .catch((err: unknown) => this.log.warn('model warm-up failed; frames will take bicubic until it answers', { err }))
      .finally(() => {
        const queued = this.warming ?? [];
        this.warming = null;
        for (const f of queued) stage.push(f);
        if (!this.waitingForDrain) this.decoder?.resume();
      });
  }

  private onFrame(data: Uint8Array): void {
    const g = this.geometry;
    const info = this.info;
    if (!g || !info || !this.stage) return;
    const arrivedAt = performance.now();
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

  private onAudio(chunk: Buffer): void {
    if (this.encoder) {
      this.encoder.writeAudio(chunk);
      return;
    }
    // Audio can arrive before the first video frame tells us the size; keep a bounded backlog.
    if (this.pendingAudioBytes + chunk.length <= 4 * 48_000 * 4) {
      this.pendingAudio.push(chunk);
      this.pendingAudioBytes += chunk.length;
    }
  }

  private onUpscaled(f: UpscaledFrame): void {
    const m = this.deps.metrics;
    const stream = this.opts.key;
    const now = performance.now();
    m.framesTotal.inc({ stream, path: f.path });
    if (f.path === 'bicubic' && f.reason) m.fallbackFramesTotal.inc({ stream, reason: f.reason });
    m.upscaleFrameSeconds.observe({ stream, path: f.path }, (f.emittedAt - f.arrivedAt) / 1000);
    if (f.emittedAt > f.deadline) {
      this.deadlineMisses++;
      m.deadlineMissesTotal.inc({ stream });
    }
    const encoder = this.encoder;
    if (!encoder) return;
    m.frameLatencySeconds.observe({ stream }, (now - f.arrivedAt) / 1000);
    this.framesOut++;
    this.outRate.mark(now);
    if (!encoder.writeFrame(f.data) && !this.waitingForDrain) {
      // Backpressure: the encoder is behind; stop reading decoded frames until it drains.
      this.waitingForDrain = true;
      this.decoder?.pause();
    }
  }

  private onEncoderDrain(): void {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    if (!this.warming) this.decoder?.resume();
  }

  private async onDecoderExit(decoder: Decoder, e: ProcessExit): Promise<void> {
    if (decoder !== this.decoder || this.closed) return;
    const clean = e.code === 0;
    if (!this.finishing && !clean && this.canRestart()) {
      this.restarts++;
      this.deps.metrics.processRestartsTotal.inc({ stream: this.opts.key, process: 'decoder' });
      const delay = Math.min(250 * 2 ** (this.restartTimes.length - 1), 4_000);
      this.log.warn('decoder exited, restarting', { code: e.code, signal: e.signal, delayMs: delay, stderr: e.stderrTail.slice(-3).join(' | ') });
      await new Promise((r) => setTimeout(r, delay));
      if (!this.finishing && !this.closed) this.startDecoder();
      else await this.endOutput();
      return;
    }
    if (!clean && !this.finishing) {
      this.log.error('decoder keeps failing; ending the stream', { code: e.code, signal: e.signal, stderr: e.stderrTail.slice(-5).join(' | ') });
    }
    this.decoder = null;
    await this.endOutput();
  }

  private canRestart(): boolean {
    const now = Date.now();
    while (this.restartTimes.length && (this.restartTimes[0] as number) < now - 60_000) this.restartTimes.shift();
    if (this.restartTimes.length >= (this.opts.maxRestartsPerMinute ?? 5)) return false;
    this.restartTimes.push(now);
    return true;
  }

  /** endOutput flushes the stage into the encoder and lets the encoder finish its playlists. */
  private async endOutput(): Promise<void> {
    if (this.isEnded) return;
    try {
      if (this.warming) {
        for (const f of this.warming) this.stage?.push(f);
        this.warming = null;
      }
      await this.stage?.flush();
      const exit = await this.encoder?.end();
      if (exit && exit.code !== 0) {
        this.log.warn('encoder exited with an error at end', { code: exit.code, stderr: exit.stderrTail.slice(-3).join(' | ') });
      }
      this.setEnded('ended');
    } catch (err) {
      this.log.error('ending the stream failed', { err });
      this.setEnded('failed');
    } finally {
      this.stage?.close();
    }
  }

  private onEncoderExit(e: ProcessExit): void {
    if (this.isEnded || this.finishing || this.closed) return;
    // Without an encoder nothing reaches viewers: fail the stream rather than decode for nothing.
    this.log.error('encoder exited mid-stream', { code: e.code, signal: e.signal, stderr: e.stderrTail.slice(-5).join(' | ') });
    this.finishing = true;
    void (async () => {
      await this.decoder?.close();
      this.stage?.close();
      this.setEnded('failed');
    })();
  }

  private setEnded(state: 'ended' | 'failed'): void {
    if (this.isEnded) return;
    this.state = state;
    this.endedAt = Date.now();
    this.log.info(state === 'ended' ? 'stream ended' : 'stream failed', { framesIn: this.seq, framesOut: this.framesOut });
    this.resolveDone();
  }

  /** snapshot reports the stream for /api/streams. */
  snapshot(renditions: readonly RenditionSnapshot[]): StreamSnapshot {
    const st = this.stage?.stats();
    const info = this.info;
    const byModel = st?.byPath.model ?? 0;
    const byBicubic = st?.byPath.bicubic ?? 0;
    const fallbacks = Object.fromEntries(REASONS.map((r) => [r, st?.fallbacks[r] ?? 0])) as Record<FallbackReason, number>;
    return {
      key: this.opts.key,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      input: info ? { width: info.width, height: info.height, fps: info.fpsNum / info.fpsDen } : null,
      output: info ? { width: info.width * this.opts.scale, height: info.height * this.opts.scale } : null,
      scale: this.opts.scale,
      model: this.deps.runner?.info.name ?? null,
      provider: this.deps.runner?.info.provider ?? null,
      latencyBudgetMs: this.opts.latencyBudgetMs,
      hasAudio: this.opts.hasAudio,
      frames: { in: this.seq, out: this.framesOut, model: byModel, bicubic: byBicubic },
      aiShare: byModel + byBicubic > 0 ? byModel / (byModel + byBicubic) : 0,
      fallbacks,
      deadlineMisses: this.deadlineMisses,
      latencyMs: { p50: st?.latencyMs.p50 ?? 0, p99: st?.latencyMs.p99 ?? 0 },
      outputFps: this.isEnded ? 0 : this.outRate.rate(performance.now()),
      restarts: this.restarts,
      master: `${this.opts.urlPath}/master.m3u8`,
      renditions,
    };
  }
}

/** redact hides the play token in logs. */
function redact(url: string): string {
  return url.replace(/token=[^&]+/, 'token=***');
}

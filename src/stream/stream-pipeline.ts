import { Decoder } from '../decode/decoder.js';
import type { VideoInfo } from '../decode/video-info.js';
import { Encoder } from '../encode/encoder.js';
import type { VideoEncoder, X264Preset } from '../encode/video-codec.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import type { PushOutput } from '../encode/push-output.js';
import { delay } from '../lifecycle/delay.js';
import { streamRestarts, type RestartPolicy } from '../lifecycle/restart-policy.js';
import type { Logger } from '../log/logger.js';
import { initRenditions, type UprezMetrics } from '../metrics/metrics.js';
import { TranscodeSession, type SessionEnd, type SessionSetup } from '../session/transcode-session.js';
import type { EncoderPort, SessionFactories, StagePort } from '../session/session-ports.js';
import { FALLBACK_REASONS, type FallbackReason, type Frame } from '../upscale/frame.js';
import { createUpscaleStage, type TierConfig, type UpscaleStage } from '../upscale/upscale-stage.js';
import { StreamFrameAccounting } from './stream-frame-accounting.js';
import type { RenditionSnapshot, StreamSnapshot, StreamState } from './stream-snapshot.js';

/** PipelineOptions are one stream's settings. */
export interface PipelineOptions {
  readonly key: string;
  /** The first publish's feed (the decoder reads it as FLV on stdin). */
  readonly input: FeedSource;
  /** The ladder carries audio (fixed for the stream's life; a later publish without audio gets silence). */
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
  /** A steady picture in the upscale stage: tier changes with a margin and a dwell, sticky model tiles (default on). */
  readonly hysteresis?: boolean;
  /** Live playlist window, in segments (default 6); older segments are deleted. */
  readonly listSize?: number;
  /** Decoder and encoder restarts allowed per minute before the stream is failed (default 5). */
  readonly maxRestartsPerMinute?: number;
}

/** PipelineDeps are the process-wide services a pipeline uses (it owns none of them). */
export interface PipelineDeps {
  readonly binaries: FfmpegBinaries;
  /** The model tiers, best first (the model, then a cheaper fallback model); empty: bicubic only. Shared, not owned. */
  readonly tiers: readonly TierConfig[];
  readonly metrics: UprezMetrics;
  readonly log: Logger;
  /** What makes a session's decoder and encoder (default: real ffmpeg); tests pass fakes. */
  readonly factories?: SessionFactories;
  /** What makes the stream's upscale stage (default: an UpscaleStage in deadline mode); tests pass fakes. */
  readonly createStage?: (o: { scale: number; latencyBudgetMs: number; maxInFlight: number; hysteresis: boolean; log: Logger }) => StagePort & { stats?: UpscaleStage['stats'] };
  /** Restart policy (default: streamRestarts(maxRestartsPerMinute)); tests pass one with a fake clock. */
  readonly restarts?: RestartPolicy;
}

/** REAL_FACTORIES make real ffmpeg decoders and encoders. */
export const REAL_FACTORIES: SessionFactories = {
  createDecoder: (o) => new Decoder(o),
  createEncoder: (o) => new Encoder(o),
};

/** What follows when the running session ends. */
type Next =
  /** A child died under a live publisher: restart (within the policy). */
  | { readonly kind: 'restart' }
  /** The publisher dropped: wait up to windowMs for it to come back. */
  | { readonly kind: 'reconnect'; readonly windowMs: number }
  /** The publisher came back while the old session still drained: start on its feed. */
  | { readonly kind: 'reattach'; readonly input: FeedSource; readonly sourceAudio: boolean }
  /** The publish ended for good (or shutdown): end the playlists. */
  | { readonly kind: 'finish' };

/** Phase is the pipeline's one piece of lifecycle state. */
type Phase =
  | { readonly kind: 'running'; readonly session: TranscodeSession; next: Next }
  | { readonly kind: 'restart_wait'; readonly input: FeedSource; readonly sourceAudio: boolean; cancelled: boolean }
  | { readonly kind: 'reconnect_wait'; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'finalizing' }
  | { readonly kind: 'done'; readonly state: 'ended' | 'failed' };

/** After a decoder exits, how long to drain the stage and encoder at most when the publish ended (ms). */
const DEFAULT_FINISH_MS = 120_000;

/**
 * StreamPipeline is one published stream's life: a TranscodeSession per publish connection and
 * per restart (decoder -> upscale stage -> encoder), the playlists running on across them (later
 * sessions append, with #EXT-X-DISCONTINUITY; the ladder is fixed by the first and later ones are
 * fitted to it), and one upscale stage for the stream's whole life (its predictions and
 * hysteresis carry over).
 *
 * Faults: a decoder or encoder that dies while the publisher is live is restarted (both, as a new
 * session) by the restart policy, until it gives up and the stream fails with the reason. A
 * publisher that drops leaves the stream `reconnecting` for a window in which a republish
 * continues it (reattach); otherwise, and on a clean stop (finish), the playlists end with ENDLIST.
 */
export class StreamPipeline {
  private phase: Phase;
  private readonly startedAt = Date.now();
  private endedAt: number | null = null;
  private sessions = 0;
  /** The most recent encoder (ended or not): it knows the playlists to finish. */
  private lastEncoder: EncoderPort | null = null;
  private stage: (StagePort & { stats?: UpscaleStage['stats'] }) | null = null;
  private info: VideoInfo | null = null;
  private framesIn = 0;
  private restarts = 0;
  private reconnects = 0;
  /** Why the stream failed, in a line for operators (the API shows it). */
  private failure: string | null = null;
  private readonly count: StreamFrameAccounting;
  private readonly policy: RestartPolicy;
  private readonly factories: SessionFactories;
  private closed = false;
  private resolveDone!: () => void;
  /** done resolves once the stream has ended (playlists finished) or failed. */
  readonly done: Promise<void> = new Promise((r) => (this.resolveDone = r));
  private readonly log: Logger;

  constructor(
    private readonly opts: PipelineOptions,
    private readonly deps: PipelineDeps,
  ) {
    this.log = deps.log.child({ stream: opts.key });
    this.count = new StreamFrameAccounting(opts.key, deps.metrics);
    this.policy = deps.restarts ?? streamRestarts(opts.maxRestartsPerMinute ?? 5);
    this.factories = deps.factories ?? REAL_FACTORIES;
    this.phase = { kind: 'finalizing' };
  }

  /** key is the stream key. */
  get key(): string {
    return this.opts.key;
  }

  /** isEnded says whether the pipeline has finished (ended or failed). */
  get isEnded(): boolean {
    return this.phase.kind === 'done';
  }

  /** isReconnecting says whether the stream waits for its dropped publisher to come back. */
  get isReconnecting(): boolean {
    return this.phase.kind === 'reconnect_wait';
  }

  /** mediaPlaylists are the absolute paths of the rungs' media playlists, once the ladder is known. */
  get mediaPlaylists(): readonly string[] {
    return this.lastEncoder?.mediaPlaylists ?? [];
  }

  /** start runs the first session on the first publish's feed. */
  start(): void {
    this.log.info('starting stream pipeline', { audio: this.opts.hasAudio });
    this.startSession(this.opts.input, this.opts.hasAudio);
  }

  /**
   * finish is called when the input has ended for good (the publisher stopped, or shutdown): the
   * decoder drains what it has (the feed ends it), the stage flushes, the playlists get ENDLIST.
   * A decoder still delivering frames (behind under load) is given up to `maxMs`; a stream waiting
   * for a reconnect or a restart ends at once. Resolves when that is done.
   */
  async finish(maxMs = DEFAULT_FINISH_MS): Promise<void> {
    const p = this.phase;
    if (p.kind === 'running' && p.next.kind !== 'finish') {
      p.next = { kind: 'finish' };
      this.log.info('publish ended, draining');
      const feed = p.session.input;
      void p.session.drain(maxMs, () => typeof feed !== 'string' && !feed.drained);
    } else if (p.kind === 'restart_wait' || p.kind === 'reconnect_wait') {
      this.cancelWaits();
      void this.finalize('ended');
    }
    await this.done;
  }

  /**
   * suspend is called when the publisher's connection dropped without a stop: the session drains
   * (its feed has ended), then the stream waits up to `windowMs` for reattach() before it ends.
   */
  suspend(windowMs: number): void {
    const p = this.phase;
    if (p.kind === 'running' && p.next.kind !== 'finish') {
      this.log.warn('publisher connection lost; holding the stream for a reconnect', { windowMs });
      p.next = { kind: 'reconnect', windowMs };
    } else if (p.kind === 'restart_wait') {
      this.cancelWaits();
      this.awaitReconnect(windowMs);
    }
  }

  /**
   * reattach continues the stream from a new publish of the same key (after suspend, or while a
   * restart is pending). Returns false when the stream can no longer continue (it is ending).
   */
  reattach(input: FeedSource, sourceAudio: boolean): boolean {
    const p = this.phase;
    if (this.closed || p.kind === 'done' || p.kind === 'finalizing' || (p.kind === 'running' && p.next.kind === 'finish')) return false;
    this.reconnects++;
    this.log.info('publisher reconnected; continuing the stream', { audio: sourceAudio });
    if (p.kind === 'running') {
      // The old session still drains what it had: the new one starts once it is done.
      p.next = { kind: 'reattach', input, sourceAudio };
      return true;
    }
    this.cancelWaits();
    this.startSession(input, sourceAudio);
    return true;
  }

  /** close tears everything down at once (shutdown past its grace period); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const p = this.phase;
    this.cancelWaits();
    if (p.kind === 'running') await p.session.close();
    this.stage?.close();
    this.finishLastPlaylists();
    this.setDone('failed');
  }

  private cancelWaits(): void {
    const p = this.phase;
    if (p.kind === 'reconnect_wait') clearTimeout(p.timer);
    if (p.kind === 'restart_wait') p.cancelled = true;
  }

  private startSession(input: FeedSource, sourceAudio: boolean): void {
    const id = ++this.sessions;
    const info = this.info;
    const session = new TranscodeSession({
      id,
      input,
      ladderAudio: this.opts.hasAudio,
      sourceAudio,
      // The ladder is fixed by the first session: later ones are fitted to it.
      ...(info ? { decoder: { size: { width: info.width, height: info.height }, fps: { num: info.fpsNum, den: info.fpsDen } } } : {}),
      endList: false,
      setup: (i) => this.setup(i, id),
      frame: (seq, data, geometry, arrivedAt) => this.frame(data, geometry, arrivedAt),
      factories: this.factories,
      binaries: this.deps.binaries,
      log: this.log,
    });
    const skippedAtStart = input.picturesSkipped;
    this.sessionAudio.set(session, sourceAudio);
    session.on('info', (i, encoder) => this.onSessionInfo(i, encoder, id));
    session.on('output', (f, written) => this.count.frame(f, written));
    session.on('segment', (rung) => this.deps.metrics.hlsSegmentsTotal.inc({ stream: this.opts.key, rendition: rung }));
    session.on('end', (e) => void this.onSessionEnd(session, e, skippedAtStart));
    this.phase = { kind: 'running', session, next: { kind: 'restart' } };
    session.start();
  }

  /** setup: the stage (made once, for the stream's life) and this session's encoder settings. */
  private setup(info: VideoInfo, id: number): SessionSetup | string {
    const first = !this.info;
    if (this.info && (info.width !== this.info.width || info.height !== this.info.height)) {
      // Cannot happen with the decoder's fixed size; refuse rather than feed the encoder wrong frames.
      return `the decoder delivered ${info.width}x${info.height}, the ladder is ${this.info.width}x${this.info.height}`;
    }
    this.info ??= info;
    this.stage ??= this.createStage();
    return {
      stage: this.stage,
      warmUp: first,
      encoder: {
        binaries: this.deps.binaries,
        outDir: this.opts.outDir,
        scale: this.opts.scale,
        hasAudio: this.opts.hasAudio,
        segmentSeconds: this.opts.segmentSeconds,
        listSize: this.opts.listSize,
        videoEncoder: this.opts.videoEncoder,
        x264Preset: this.opts.x264Preset,
        push: this.opts.push,
        append: id > 1 && this.lastEncoder !== null,
        log: this.log,
      },
    };
  }

  private createStage(): StagePort & { stats?: UpscaleStage['stats'] } {
    const o = { scale: this.opts.scale, latencyBudgetMs: this.opts.latencyBudgetMs, maxInFlight: this.opts.maxInFlight, hysteresis: this.opts.hysteresis !== false, log: this.log };
    if (this.deps.createStage) return this.deps.createStage(o);
    return createUpscaleStage({
      mode: 'deadline',
      scale: o.scale,
      latencyBudgetMs: o.latencyBudgetMs,
      tiers: this.deps.tiers,
      maxInFlight: o.maxInFlight,
      hysteresis: o.hysteresis,
      log: this.log,
      observer: { onInference: (ms, model) => this.deps.metrics.modelInferenceSeconds.observe({ model }, ms / 1000) },
    });
  }

  private frame(data: Uint8Array, geometry: Frame['geometry'], arrivedAt: number): Frame {
    const info = this.info as VideoInfo;
    const seq = this.framesIn++;
    return { seq, pts: (seq * info.fpsDen) / info.fpsNum, arrivedAt, deadline: arrivedAt + this.opts.latencyBudgetMs, geometry, data };
  }

  private onSessionInfo(info: VideoInfo, encoder: EncoderPort, id: number): void {
    this.lastEncoder = encoder;
    initRenditions(this.deps.metrics, this.opts.key, encoder.rungs.map((r) => r.name));
    this.log.info(id === 1 ? 'stream live' : 'stream continues', {
      input: `${info.width}x${info.height}@${(info.fpsNum / info.fpsDen).toFixed(2)}`,
      output: `${info.width * this.opts.scale}x${info.height * this.opts.scale}`,
      model: this.deps.tiers[0]?.runner.info.name ?? 'none',
      session: id,
    });
  }

  /** onSessionEnd counts what the session lost and decides what follows. */
  private async onSessionEnd(session: TranscodeSession, e: SessionEnd, skippedAtStart: number): Promise<void> {
    const p = this.phase;
    if (this.closed || p.kind !== 'running' || p.session !== session) return;
    const feed = session.input as FeedSource;
    this.count.lose('decoder_restart', feed.picturesSkipped - skippedAtStart);
    const unDecoded = e.picturesFed - e.framesDecoded;
    if (e.cutShort) this.count.lose('drain_timeout', unDecoded + feed.picturesPending);
    else if (e.decoderExit.code !== 0 || e.encoderFailed) this.count.lose('decoder_restart', unDecoded);
    const next = p.next;
    if (e.refused) {
      this.failure = e.refused;
      return this.finalize('failed');
    }
    switch (next.kind) {
      case 'finish':
        return this.finalize('ended');
      case 'reattach':
        return this.startSession(next.input, next.sourceAudio);
      case 'reconnect':
        return this.awaitReconnect(next.windowMs);
      case 'restart':
        return this.restart(session, e);
    }
  }

  /** restart brings the decoder and encoder back (a new session on the same feed) within the policy. */
  private async restart(session: TranscodeSession, e: SessionEnd): Promise<void> {
    const which = e.encoderFailed ? 'encoder' : 'decoder';
    const exit: ProcessExit = e.encoderFailed && e.encoderExit ? e.encoderExit : e.decoderExit;
    const decision = this.policy.next();
    if (!decision.restart) {
      const why = e.encoderFailed ? (e.encoderFailure ?? lastMeaningfulLine(exit)) : lastMeaningfulLine(exit);
      this.failure = `${which} failed ${decision.recent + 1} times within a minute${why ? `: ${why}` : ''}`;
      this.log.error(`${which} keeps failing; ending the stream`, { code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-5).join(' | ') });
      return this.finalize('failed');
    }
    this.restarts++;
    this.deps.metrics.processRestartsTotal.inc({ stream: this.opts.key, process: which });
    this.log.warn(`${which} exited, restarting`, { code: exit.code, signal: exit.signal, delayMs: decision.delayMs, stderr: which === 'decoder' ? exit.stderrTail.slice(-3).join(' | ') : undefined });
    const wait: Phase = { kind: 'restart_wait', input: session.input as FeedSource, sourceAudio: this.sourceAudioOf(session), cancelled: false };
    this.phase = wait;
    await delay(decision.delayMs);
    if (wait.cancelled || this.closed || this.phase !== wait) return;
    this.startSession(wait.input, wait.sourceAudio);
  }

  private sourceAudioOf(session: TranscodeSession): boolean {
    return this.sessionAudio.get(session) ?? this.opts.hasAudio;
  }

  private readonly sessionAudio = new WeakMap<TranscodeSession, boolean>();

  private awaitReconnect(windowMs: number): void {
    const timer = setTimeout(() => {
      if (this.phase.kind !== 'reconnect_wait') return;
      this.log.info('publisher did not come back; ending the stream', { windowMs });
      void this.finalize('ended');
    }, windowMs);
    timer.unref();
    this.phase = { kind: 'reconnect_wait', timer };
  }

  /** finalize ends the stream: playlists get ENDLIST (the last encoder has exited), the stage closes. */
  private async finalize(state: 'ended' | 'failed'): Promise<void> {
    if (this.phase.kind === 'done' || this.phase.kind === 'finalizing') return;
    this.phase = { kind: 'finalizing' };
    try {
      this.finishLastPlaylists();
    } catch (err) {
      this.log.error('could not end the playlists', { err });
      this.failure ??= `could not end the playlists: ${err instanceof Error ? err.message : String(err)}`;
      state = 'failed';
    }
    this.stage?.close();
    this.setDone(state);
  }

  private finishLastPlaylists(): void {
    const enc = this.lastEncoder;
    if (enc && enc.hasExited) enc.finishPlaylists();
  }

  private setDone(state: 'ended' | 'failed'): void {
    if (this.phase.kind === 'done') return;
    this.phase = { kind: 'done', state };
    this.endedAt = Date.now();
    this.log.info(state === 'ended' ? 'stream ended' : 'stream failed', {
      framesIn: this.framesIn,
      framesOut: this.count.out,
      framesLost: this.count.totalLost,
      sessions: this.sessions,
    });
    this.resolveDone();
  }

  /** state is the API's view of the phase. */
  private get state(): StreamState {
    const p = this.phase;
    switch (p.kind) {
      case 'done':
        return p.state;
      case 'finalizing':
        return 'ending';
      case 'reconnect_wait':
        return 'reconnecting';
      case 'restart_wait':
        return 'starting';
      case 'running':
        if (p.next.kind === 'finish') return 'ending';
        return p.session.currentEncoder ? 'live' : 'starting';
    }
  }

  /** snapshot reports the stream for /api/streams. */
  snapshot(renditions: readonly RenditionSnapshot[]): StreamSnapshot {
    const st = this.stage?.stats?.();
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
      model: this.deps.tiers[0]?.runner.info.name ?? null,
      fallbackModel: this.deps.tiers[1]?.runner.info.name ?? null,
      provider: this.deps.tiers[0]?.runner.info.provider ?? null,
      latencyBudgetMs: this.opts.latencyBudgetMs,
      hasAudio: this.opts.hasAudio,
      frames: { in: this.framesIn, out: this.count.out, model: modelFrames, bicubic: byBicubic, byModel: st?.byModel ?? {}, lost: { ...this.count.lost } },
      aiShare: modelFrames + byBicubic > 0 ? modelFrames / (modelFrames + byBicubic) : 0,
      aiPixelShare: st?.modelPixelShare ?? 0,
      aiPixelShareHistogram: st?.modelShareHistogram ?? new Array<number>(11).fill(0),
      tiles: { computed: st?.tilesComputed ?? 0, reused: st?.tilesReused ?? 0 },
      fallbacks,
      deadlineMisses: this.count.deadlineMisses,
      latencyMs: { p50: st?.latencyMs.p50 ?? 0, p99: st?.latencyMs.p99 ?? 0 },
      outputFps: this.isEnded ? 0 : this.count.outputFps(),
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

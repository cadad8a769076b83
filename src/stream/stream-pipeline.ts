import type { VideoInfo } from '../decode/video-info.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import { delay } from '../lifecycle/delay.js';
import { streamRestarts, type RestartPolicy } from '../lifecycle/restart-policy.js';
import type { Logger } from '../log/logger.js';
import { initRenditions } from '../metrics/metrics.js';
import { TranscodeSession, type SessionEnd, type SessionSetup } from '../session/transcode-session.js';
import { REAL_FACTORIES } from '../session/real-factories.js';
import type { EncoderPort, SessionFactories } from '../session/session-ports.js';
import type { Frame } from '../media/frame.js';
import type { PipelineDeps, PipelineOptions } from './pipeline-options.js';
import { acceptsReattach, phaseState, sessionFault, type Phase } from './pipeline-phase.js';
import { PipelineDenoise } from './pipeline-denoise.js';
import { createPipelineStage, sessionEncoderOptions, type PipelineStage } from './pipeline-setup.js';
import { pipelineSnapshot } from './pipeline-snapshot.js';
import { StreamFrameAccounting } from './stream-frame-accounting.js';
import type { RenditionSnapshot, StreamSnapshot } from './stream-snapshot.js';

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
  private stage: PipelineStage | null = null;
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
  private readonly denoise: PipelineDenoise;

  constructor(
    private readonly opts: PipelineOptions,
    private readonly deps: PipelineDeps,
  ) {
    this.log = deps.log.child({ stream: opts.key });
    this.count = new StreamFrameAccounting(opts.key, deps.metrics);
    this.policy = deps.restarts ?? streamRestarts(opts.maxRestartsPerMinute ?? 5);
    this.factories = deps.factories ?? REAL_FACTORIES;
    this.phase = { kind: 'finalizing' };
    this.denoise = new PipelineDenoise(deps.tiers, deps.denoise ?? null, opts.key, deps.metrics, this.log, (i, t) =>
      this.stage?.replaceTier?.(i, t),
    );
  }

  /** sampleCompression measures the publisher's bits per pixel (call once a second; --denoise auto moves the model with it). */
  sampleCompression(): void {
    const p = this.phase;
    if (p.kind === 'running' && this.info && typeof p.session.input !== 'string')
      this.denoise.sample(p.session.input, this.info.width, this.info.height);
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

  /** cluster is the key's cluster stream, or null on a lone instance. */
  get cluster(): ClusterStream | null {
    return this.opts.cluster ?? null;
  }

  /** canReattach: a new publish of the key would continue this stream (it is not ending). */
  get canReattach(): boolean {
    return acceptsReattach(this.phase, this.closed);
  }

  /** start runs the first session on the first publish's feed. */
  start(): void {
    this.log.info('starting stream pipeline', { audio: this.opts.hasAudio });
    // Another instance owns the key now (this one's lease expired: a stall, a partition): stop at
    // once, nothing more of this stream may reach the origin.
    this.opts.cluster?.onLost((reason) => {
      this.failure = `the stream's lease in the registry was lost (${reason}); another instance may own it now`;
      this.log.error('lease lost; stopping the stream', { reason });
      void this.close();
    });
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
    if (!this.canReattach) return false;
    const p = this.phase;
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
    await this.endPlaylists();
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
      setup: (i) => this.setup(i),
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
  private setup(info: VideoInfo): SessionSetup | string {
    const first = !this.info;
    if (this.info && (info.width !== this.info.width || info.height !== this.info.height)) {
      // Cannot happen with the decoder's fixed size; refuse rather than feed the encoder wrong frames.
      return `the decoder delivered ${info.width}x${info.height}, the ladder is ${this.info.width}x${this.info.height}`;
    }
    this.info ??= info;
    this.stage ??= createPipelineStage(this.opts, this.deps, this.denoise.tiers, this.log);
    return { stage: this.stage, warmUp: first, encoder: sessionEncoderOptions(this.opts, this.deps, this.log) };
  }

  private frame(data: Uint8Array, geometry: Frame['geometry'], arrivedAt: number): Frame {
    const info = this.info as VideoInfo;
    const seq = this.framesIn++;
    return { seq, pts: (seq * info.fpsDen) / info.fpsNum, arrivedAt, deadline: arrivedAt + this.opts.latencyBudgetMs, geometry, data };
  }

  private onSessionInfo(info: VideoInfo, encoder: EncoderPort, id: number): void {
    this.lastEncoder = encoder;
    initRenditions(
      this.deps.metrics,
      this.opts.key,
      encoder.rungs.map((r) => r.name),
    );
    this.log.info(id === 1 ? 'stream live' : 'stream continues', {
      input: `${info.width}x${info.height}@${(info.fpsNum / info.fpsDen).toFixed(2)}`,
      output: `${info.width * this.opts.scale}x${info.height * this.opts.scale}`,
      model: this.denoise.tiers[0]?.runner.info.name ?? 'none',
      session: id,
    });
  }

  /** onSessionEnd counts what the session lost and decides what follows. */
  private async onSessionEnd(session: TranscodeSession, e: SessionEnd, skippedAtStart: number): Promise<void> {
    const p = this.phase;
    if (this.closed || p.kind !== 'running' || p.session !== session) return;
    this.count.sessionEnded(e, session.input as FeedSource, skippedAtStart);
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
    const { which, exit, why } = sessionFault(e);
    const decision = this.policy.next();
    if (!decision.restart) {
      this.failure = `${which} failed ${decision.recent + 1} times within a minute${why ? `: ${why}` : ''}`;
      this.log.error(`${which} keeps failing; ending the stream`, {
        code: exit.code,
        signal: exit.signal,
        stderr: exit.stderrTail.slice(-5).join(' | '),
      });
      return this.finalize('failed');
    }
    this.restarts++;
    this.deps.metrics.processRestartsTotal.inc({ stream: this.opts.key, process: which });
    this.log.warn(`${which} exited, restarting`, {
      code: exit.code,
      signal: exit.signal,
      delayMs: decision.delayMs,
      stderr: which === 'decoder' ? exit.stderrTail.slice(-3).join(' | ') : undefined,
    });
    const wait: Phase = {
      kind: 'restart_wait',
      input: session.input as FeedSource,
      sourceAudio: this.sourceAudioOf(session),
      cancelled: false,
    };
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
    const problem = await this.endPlaylists();
    if (problem) {
      this.failure ??= `could not end the playlists: ${problem}`;
      state = 'failed';
    }
    this.stage?.close();
    this.setDone(state);
  }

  /**
   * endPlaylists ends the run's playlists (ENDLIST in every output), then lets the cluster go (the
   * origin output flushed, the lease released); returns why the playlists did not end, or null.
   */
  private async endPlaylists(): Promise<string | null> {
    let problem: string | null = null;
    try {
      await this.opts.hls.end();
    } catch (err) {
      this.log.error('could not end the playlists', { err });
      problem = err instanceof Error ? err.message : String(err);
    }
    await this.opts.cluster?.close().catch((err: unknown) => this.log.warn('could not release the stream in the cluster', { err }));
    return problem;
  }

  private setDone(state: 'ended' | 'failed'): void {
    if (this.phase.kind === 'done') return;
    this.phase = { kind: 'done', state };
    this.denoise.close();
    this.endedAt = Date.now();
    this.log.info(state === 'ended' ? 'stream ended' : 'stream failed', {
      framesIn: this.framesIn,
      framesOut: this.count.out,
      framesLost: this.count.totalLost,
      sessions: this.sessions,
    });
    this.resolveDone();
  }

  /** snapshot reports the stream for /api/streams. */
  snapshot(renditions: readonly RenditionSnapshot[]): StreamSnapshot {
    return pipelineSnapshot(
      {
        key: this.opts.key,
        state: phaseState(this.phase),
        startedAt: this.startedAt,
        endedAt: this.endedAt,
        info: this.info,
        scale: this.opts.scale,
        tiers: this.denoise.tiers,
        denoise: this.denoise.snapshot(),
        latencyBudgetMs: this.opts.latencyBudgetMs,
        hasAudio: this.opts.hasAudio,
        framesIn: this.framesIn,
        count: this.count,
        stats: this.stage?.stats?.(),
        restarts: this.restarts,
        reconnects: this.reconnects,
        failure: this.failure,
        urlPath: this.opts.urlPath,
        cluster: this.opts.cluster ?? null,
      },
      renditions,
    );
  }
}

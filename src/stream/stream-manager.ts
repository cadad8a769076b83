import { mkdir, readdir, rm } from 'node:fs/promises';
import { errorMessage } from '../errors.js';
import path from 'node:path';
import type { VideoEncoder, X264PresetChoice } from '../encode/video-codec.js';
import type { PushTargetLookup } from '../restream/push-targets.js';
import type { Admission, IngestEvents, PublishEvent, PublishRefusal } from '../ingest/rtmp-ingest.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import { isValidStreamKey } from '../media/stream-key.js';
import type { Logger } from '../log/logger.js';
import { forgetStream, initStream } from '../metrics/metrics.js';
import { FALLBACK_REASONS } from '../media/frame.js';
import { sweepSegments } from '../hls/live-playlists.js';
import { DirHlsOutput } from '../hls/dir-hls-output.js';
import { HlsWriter, type HlsMode } from '../hls/hls-writer.js';
import { readRenditions } from './renditions.js';
import type { PipelineDeps } from './pipeline-options.js';
import { StreamPipeline } from './stream-pipeline.js';
import { FRAME_LOSS_REASONS, type StreamDirectory, type StreamSnapshot } from './stream-snapshot.js';

/** Segment sweeps run every this many 1 s samples. */
const SWEEP_EVERY_TICKS = 10;
/**
 * Segments kept behind a playlist's window: ffmpeg itself deletes one behind (hls_delete_threshold),
 * so the sweep stays clear of those and removes only what nothing will delete.
 */
const SWEEP_KEEP_BEHIND = 4;

/** IngestPort is what the manager needs from the RTMP ingest. */
export interface IngestPort {
  on<K extends keyof IngestEvents>(event: K, fn: IngestEvents[K]): unknown;
  off<K extends keyof IngestEvents>(event: K, fn: IngestEvents[K]): unknown;
  /** End KEY's feed now: its decoder drains what it has and sees end-of-input. */
  endFeed(key: string): void;
  /** End KEY's publish and tell the publisher why. */
  disconnect(key: string, description: string): void;
  bytesIn(key: string): number;
  refusePublishes(): void;
}

/** StreamManagerOptions are the per-stream settings every pipeline gets. */
export interface StreamManagerOptions {
  readonly hlsRoot: string;
  readonly scale: number;
  readonly latencyBudgetMs: number;
  readonly maxInFlight: number;
  readonly segmentSeconds: number;
  /** H.264 encoder for every stream's ladder. Default x264. */
  readonly videoEncoder?: VideoEncoder;
  /** x264's speed preset for every stream's ladder (default veryfast). */
  readonly x264Preset?: X264PresetChoice;
  /** Restream destinations by key: a publish of such a key also pushes its top rung there. */
  readonly pushTargets?: PushTargetLookup;
  /** Live playlist window, in segments (default 6). */
  readonly listSize?: number;
  /** Path hysteresis in each stream's stage (default on). */
  readonly hysteresis?: boolean;
  /** A dropped publisher may come back this long and continue its stream (default 30 s; 0 = end at once). */
  readonly reconnectWindowMs?: number;
  /** Ended streams stay listed (and their metric series and files kept) this long. */
  readonly retentionMs?: number;
  /** Live packaging of every stream (default ll). */
  readonly hlsMode?: HlsMode;
}

/** StreamManagerHooks: what the server does around a stream's life. */
export interface StreamManagerHooks {
  /** A stream ended (its frame buffers are garbage now). */
  readonly onStreamEnded?: () => void;
  /** A stream left the directory (retention over): drop what others keep about it. */
  readonly onStreamForgotten?: (key: string) => void;
  /**
   * Asks the cluster again for KEY when a publish was admitted with the cluster stream of a run
   * that then ended instead of continuing (it released that lease); default: no cluster.
   */
  readonly readmit?: (key: string) => Promise<Admission>;
}

/**
 * LocalClusterHold is what this instance holds of a key in the cluster: a run a new publish
 * continues (its lease and origin output carry over), or a run still ending (its lease is released
 * when it has ended).
 */
export type LocalClusterHold =
  { readonly kind: 'live'; readonly stream: ClusterStream } | { readonly kind: 'ending'; readonly ended: Promise<void> };

interface Entry {
  pipeline: StreamPipeline;
  lastBytes: number;
  lastSample: number;
  forgetTimer?: NodeJS.Timeout;
}

/**
 * StreamManager turns ingest events into one StreamPipeline per published key, answers the
 * HTTP API's questions about them, samples per-stream gauges, and on shutdown ends every
 * stream's playlists before the children go away.
 */
export class StreamManager implements StreamDirectory {
  private readonly entries = new Map<string, Entry>();
  private unsubscribe: (() => void) | null = null;
  private sampler: NodeJS.Timeout | null = null;
  private shuttingDown = false;
  private ticks = 0;
  private readonly log: Logger;

  constructor(
    private readonly ingest: IngestPort,
    private readonly opts: StreamManagerOptions,
    private readonly deps: PipelineDeps,
    private readonly hooks: StreamManagerHooks = {},
  ) {
    this.log = deps.log.child({ stage: 'streams' });
  }

  /** start subscribes to the ingest and begins sampling gauges. */
  start(): void {
    const publish = (e: PublishEvent): void => void this.onPublish(e);
    const unpublish = (key: string, _session: string, clean: boolean): void => this.onUnpublish(key, clean);
    const refused = (reason: PublishRefusal): void => this.deps.metrics.publishRejectedTotal.inc({ reason });
    this.ingest.on('publish', publish);
    this.ingest.on('unpublish', unpublish);
    this.ingest.on('refused', refused);
    this.unsubscribe = () => {
      this.ingest.off('publish', publish);
      this.ingest.off('unpublish', unpublish);
      this.ingest.off('refused', refused);
    };
    this.sampler = setInterval(() => this.sample(), 1_000);
    this.sampler.unref();
  }

  /** list returns a snapshot of every known stream, live first. */
  list(): StreamSnapshot[] {
    return [...this.entries.values()]
      .map((e) => this.snapshotOf(e))
      .sort((a, b) => Number(a.endedAt !== null) - Number(b.endedAt !== null) || a.key.localeCompare(b.key));
  }

  /** get returns one stream's snapshot. */
  get(key: string): StreamSnapshot | undefined {
    const e = this.entries.get(key);
    return e ? this.snapshotOf(e) : undefined;
  }

  /** localCluster is what this instance holds of KEY in the cluster (see LocalClusterHold), or null. */
  localCluster(key: string): LocalClusterHold | null {
    const e = this.entries.get(key);
    if (!e || e.pipeline.isEnded || !e.pipeline.cluster) return null;
    if (e.pipeline.canReattach) return { kind: 'live', stream: e.pipeline.cluster };
    return { kind: 'ending', ended: e.pipeline.done.then(() => undefined) };
  }

  /** activeCount is the number of streams not yet ended. */
  activeCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.pipeline.isEnded) n++;
    return n;
  }

  /**
   * shutdown refuses new publishes, lets every stream drain and finish its playlists with
   * ENDLIST, and after `graceMs` tears down whatever is left.
   */
  async shutdown(graceMs = 10_000): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.ingest.refusePublishes();
    const live = [...this.entries.values()].filter((e) => !e.pipeline.isEnded);
    this.log.info('closing streams', { count: live.length });
    for (const e of live) this.ingest.endFeed(e.pipeline.key);
    const all = Promise.all(live.map((e) => e.pipeline.finish(graceMs)));
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs + 2_000).unref());
    if ((await Promise.race([all, timeout])) === 'timeout') this.log.warn('streams did not finish in time; tearing down');
    await Promise.all(live.map((e) => e.pipeline.close()));
    this.close();
  }

  /** close stops listening and sampling (pipelines are ended by shutdown); idempotent. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    for (const e of this.entries.values()) if (e.forgetTimer) clearTimeout(e.forgetTimer);
  }

  private async onPublish(e: PublishEvent): Promise<void> {
    if (this.shuttingDown || !isValidStreamKey(e.key)) return;
    const prev = this.entries.get(e.key);
    if (prev && prev.pipeline.reattach(e.feed, e.hasAudio)) return; // a dropped publisher is back
    if (prev) {
      // A new publish of a key whose last run is still draining: let it finish first.
      if (!prev.pipeline.isEnded) await prev.pipeline.finish();
      if (prev.forgetTimer) clearTimeout(prev.forgetTimer);
      forgetStream(this.deps.metrics, e.key);
    }
    let cluster = e.cluster;
    if (cluster && prev && cluster === prev.pipeline.cluster) {
      // Admitted to continue that run, which ended instead (and released the key): ask again.
      const again = (await this.hooks.readmit?.(e.key)) ?? { ok: true, cluster: null, fresh: false };
      if (!again.ok) {
        this.log.warn('refusing the publish: the cluster did not admit it again', { stream: e.key, why: again.message });
        this.ingest.disconnect(e.key, again.message);
        return;
      }
      cluster = again.cluster;
    }
    const outDir = path.join(this.opts.hlsRoot, e.key);
    try {
      // Each publish starts a fresh ladder (the previous run's playlists ended with ENDLIST). The
      // directory itself stays: it may be a mount of its own.
      await mkdir(outDir, { recursive: true });
      for (const name of await readdir(outDir)) await rm(path.join(outDir, name), { recursive: true, force: true });
    } catch (err) {
      this.log.error('cannot prepare the stream directory; refusing the publish', { stream: e.key, dir: outDir, err: errorMessage(err) });
      this.ingest.disconnect(e.key, "the server cannot write this stream's output");
      void cluster?.close();
      return;
    }
    // The run's playlists: one writer for the pipeline's encoders (restarts and reconnects included).
    const log = this.log.child({ stream: e.key });
    const writer = new HlsWriter({
      mode: this.opts.hlsMode ?? 'll',
      dir: outDir,
      segmentSeconds: this.opts.segmentSeconds,
      listSize: this.opts.listSize,
      outputs: [new DirHlsOutput(outDir, log), ...(cluster?.output ? [cluster.output] : [])],
      // A stream another instance owned before it died goes on in its playlists (at the origin).
      continueFrom: cluster?.continueFrom ?? null,
      log,
    });
    const pipeline = new StreamPipeline(
      {
        key: e.key,
        hls: writer,
        cluster,
        input: e.feed,
        hasAudio: e.hasAudio,
        outDir,
        urlPath: `/hls/${e.key}`,
        scale: this.opts.scale,
        latencyBudgetMs: this.opts.latencyBudgetMs,
        maxInFlight: this.opts.maxInFlight,
        segmentSeconds: this.opts.segmentSeconds,
        listSize: this.opts.listSize,
        hysteresis: this.opts.hysteresis,
        videoEncoder: this.opts.videoEncoder,
        x264Preset: this.opts.x264Preset,
        push: this.opts.pushTargets?.get(e.key),
      },
      this.deps,
    );
    const models = this.deps.tiers.map((t) => t.runner.info.name);
    initStream(this.deps.metrics, e.key, { models, fallbackReasons: FALLBACK_REASONS, lossReasons: FRAME_LOSS_REASONS });
    const entry: Entry = { pipeline, lastBytes: 0, lastSample: Date.now() };
    this.entries.set(e.key, entry);
    this.updateActive();
    void pipeline.done.then(() => this.onEnded(entry));
    pipeline.start();
  }

  private onUnpublish(key: string, clean: boolean): void {
    const e = this.entries.get(key);
    if (!e || e.pipeline.isEnded) return;
    const windowMs = this.opts.reconnectWindowMs ?? 30_000;
    if (clean || windowMs <= 0 || this.shuttingDown) void e.pipeline.finish();
    else e.pipeline.suspend(windowMs);
  }

  private onEnded(entry: Entry): void {
    this.updateActive();
    // The stream's frame buffers are garbage now: give the memory back (see process-memory.ts).
    try {
      this.hooks.onStreamEnded?.();
    } catch (err) {
      this.log.warn('releasing memory after a stream failed', { err: errorMessage(err) });
    }
    const key = entry.pipeline.key;
    this.deps.metrics.ingestBitrateBits.remove({ stream: key });
    this.deps.metrics.encoderFps.remove({ stream: key });
    this.deps.metrics.ingestBitsPerPixel.remove({ stream: key });
    entry.forgetTimer = setTimeout(
      () => {
        if (this.entries.get(key) !== entry) return;
        this.entries.delete(key);
        forgetStream(this.deps.metrics, key);
        this.hooks.onStreamForgotten?.(key);
        // Its files go with it: keys that never publish again must not fill the disk.
        rm(path.join(this.opts.hlsRoot, key), { recursive: true, force: true }).catch((err: unknown) =>
          this.log.warn('could not remove an ended stream', { stream: key, err }),
        );
      },
      this.opts.retentionMs ?? 10 * 60_000,
    );
    entry.forgetTimer.unref();
  }

  private updateActive(): void {
    this.deps.metrics.streamsActive.set(this.activeCount());
  }

  private sample(): void {
    const now = Date.now();
    const sweep = ++this.ticks % SWEEP_EVERY_TICKS === 0;
    for (const e of this.entries.values()) {
      if (e.pipeline.isEnded) continue;
      if (sweep) this.sweep(e);
      const key = e.pipeline.key;
      const bytes = this.ingest.bytesIn(key);
      const dt = (now - e.lastSample) / 1000;
      if (dt > 0 && bytes >= e.lastBytes) this.deps.metrics.ingestBitrateBits.set({ stream: key }, ((bytes - e.lastBytes) * 8) / dt);
      e.lastBytes = bytes;
      e.lastSample = now;
      this.deps.metrics.encoderFps.set({ stream: key }, this.snapshotOf(e).outputFps);
      e.pipeline.sampleCompression();
    }
  }

  /** sweep removes segment files no playlist lists any more (ffmpeg forgets some across restarts). */
  private sweep(e: Entry): void {
    for (const playlist of e.pipeline.mediaPlaylists) {
      try {
        const n = sweepSegments(path.dirname(playlist), playlist, SWEEP_KEEP_BEHIND);
        if (n) this.log.debug('removed unlisted segments', { stream: e.pipeline.key, count: n });
      } catch (err) {
        this.log.warn('segment sweep failed', { stream: e.pipeline.key, err });
      }
    }
  }

  private snapshotOf(e: Entry): StreamSnapshot {
    return e.pipeline.snapshot(readRenditions(path.join(this.opts.hlsRoot, e.pipeline.key), `/hls/${e.pipeline.key}`));
  }
}

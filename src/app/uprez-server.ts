import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServeConfig } from '../config/serve-config.js';
import { checkVideoEncoder } from '../encode/encoder-check.js';
import { UprezError, errorMessage } from '../errors.js';
import { resolveFfmpegBinaries, type FfmpegBinaries } from '../ffmpeg/binaries.js';
import { recoverHlsRoot } from '../hls/hls-recovery.js';
import { HttpServer } from '../http/http-server.js';
import { Cluster } from './cluster.js';
import { configureAllocator, releaseMemory } from './process-memory.js';
import type { PublishPolicy } from '../ingest/publish-auth.js';
import { RtmpIngest } from '../ingest/rtmp-ingest.js';
import type { Logger } from '../log/logger.js';
import { createMetrics, type UprezMetrics } from '../metrics/metrics.js';
import { StreamManager } from '../stream/stream-manager.js';
import { fileJobExecutor } from '../jobs/file-job.js';
import { JobManager } from '../jobs/job-manager.js';
import { JobStore } from '../jobs/job-store.js';
import { restreamJobExecutor } from '../jobs/restream-job.js';
import { PushTargets } from '../restream/push-targets.js';
import { UpscaleStudio } from '../studio/upscale-studio.js';
import { loadModelTiers, type ModelTiers } from './model-tiers.js';

/** How long streams a crashed previous process left stay (ended) before they are removed: as long as an ended stream's. */
const LEFTOVER_RETENTION_MS = 10 * 60_000;

/** Addresses the server bound (ports resolved when 0 was asked for). */
export interface BoundAddresses {
  readonly rtmpPort: number;
  readonly httpPort: number;
}

/** UprezServerOptions lets tests and embedders inject what would come from the process. */
export interface UprezServerOptions {
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly modelsDir?: string;
  /** Stream-drain time limit on close. */
  readonly shutdownGraceMs?: number;
}

/**
 * UprezServer composes `uprez serve`: ffmpeg check, model runner, RTMP ingest, stream manager,
 * HTTP (HLS, player, API, metrics). It starts them in data-flow order and closes them in
 * reverse, so every playlist is finished before HTTP and the model go away.
 */
export class UprezServer {
  private metrics: UprezMetrics | null = null;
  /** The model tiers (model, fallback model), shared by every stream. */
  private models: ModelTiers | null = null;
  private ingest: RtmpIngest | null = null;
  private cluster: Cluster | null = null;
  private manager: StreamManager | null = null;
  private jobManager: JobManager | null = null;
  private http: HttpServer | null = null;
  private studio: UpscaleStudio | null = null;
  private ready = false;
  /** Why the configured model is not in use (--on-model-error bicubic), or null. */
  modelError: string | null = null;
  private closing: Promise<void> | null = null;
  /** Removes what a previous process left in DATA_DIR/hls once its retention has passed. */
  private leftoverTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(
    private readonly config: ServeConfig,
    private readonly opts: UprezServerOptions,
  ) {
    this.log = opts.log;
  }

  /** start brings everything up; on failure it closes what it started and rethrows. */
  async start(): Promise<BoundAddresses> {
    try {
      return await this.startAll();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async startAll(): Promise<BoundAddresses> {
    const cfg = this.config;
    const alloc = configureAllocator();
    if (!alloc.configured) this.log.warn('freed frame memory may not return to the OS', { why: alloc.why });
    const binaries: FfmpegBinaries = resolveFfmpegBinaries(this.opts.env ?? process.env);
    // x264 is part of every ffmpeg we support; a GPU encoder is checked once here, so a missing
    // NVENC stops the server with one clear line rather than failing every stream later.
    if (cfg.encoder !== 'x264') await checkVideoEncoder(binaries.ffmpeg, cfg.encoder);
    const hlsRoot = path.join(cfg.dataDir, 'hls');
    try {
      // Write, don't ask: access(W_OK) says yes to root on a read-only mount.
      await mkdir(hlsRoot, { recursive: true });
      const probe = path.join(hlsRoot, `.write-test-${process.pid}`);
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    } catch (err) {
      throw new UprezError(
        'DATA_DIR_UNWRITABLE',
        `data dir ${cfg.dataDir} is not writable (--data-dir / UPREZ_DATA_DIR): ${errorMessage(err)}`,
      );
    }
    // A previous process that did not shut down cleanly left live playlists: end them now.
    const leftovers = await recoverHlsRoot(hlsRoot, this.log);
    const metrics = createMetrics();
    this.metrics = metrics;

    const models = await loadModelTiers(cfg, this.log, metrics, this.opts.modelsDir);
    this.models = models;
    this.modelError = models.modelError;

    // The cluster (--hls-origin, --registry): asked before every publish; a lone instance admits all.
    const cluster = new Cluster({ cfg, log: this.log, metrics, local: (key) => this.manager?.localCluster(key) ?? null });
    this.cluster = cluster;
    const ingest = new RtmpIngest({
      host: cfg.host,
      port: cfg.rtmpPort,
      log: this.log,
      auth: publishPolicy(cfg),
      publishesPerMinute: cfg.publishRateLimit,
      ...(cluster.enabled ? { admit: (key: string) => cluster.admit(key) } : {}),
    });
    this.ingest = ingest;
    const pushTargets = new PushTargets();
    const manager = new StreamManager(
      ingest,
      {
        hlsRoot,
        scale: cfg.scale,
        latencyBudgetMs: cfg.latencyBudgetMs,
        maxInFlight: cfg.maxInFlight,
        segmentSeconds: cfg.segmentSeconds,
        listSize: cfg.hlsListSize,
        hlsMode: cfg.hlsMode,
        reconnectWindowMs: cfg.reconnectWindowSeconds * 1000,
        hysteresis: cfg.hysteresis,
        videoEncoder: cfg.encoder,
        x264Preset: cfg.x264Preset,
        pushTargets,
      },
      { binaries, tiers: models.tiers, denoise: models.denoise, metrics, log: this.log },
      { onStreamEnded: releaseMemory, onStreamForgotten: (key) => cluster.forget(key), readmit: (key) => cluster.admit(key) },
    );
    this.manager = manager;
    manager.start();
    if (leftovers.length) {
      // Kept (ended) as long as a stream that ended normally, then removed unless published again.
      this.leftoverTimer = setTimeout(() => {
        for (const key of leftovers) {
          if (!manager.get(key)) void rm(path.join(hlsRoot, key), { recursive: true, force: true }).catch(() => undefined);
        }
      }, LEFTOVER_RETENTION_MS);
      this.leftoverTimer.unref();
    }
    const jobs = await this.createJobs(binaries, pushTargets, () => ingest.port);
    const studio = new UpscaleStudio({
      dataDir: cfg.dataDir,
      videoDir: cfg.jobsInputDir || path.join(cfg.dataDir, 'inputs'),
      provider: cfg.provider,
      maxUploadBytes: cfg.uploadMaxMb * 1024 * 1024,
      retentionMs: cfg.uploadRetentionHours * 3600 * 1000,
      log: this.log,
      ...(this.opts.modelsDir ? { modelsDir: this.opts.modelsDir } : {}),
    });
    this.studio = studio;
    await studio.start();

    const http = new HttpServer({
      hlsRoot,
      streams: manager,
      metrics,
      readiness: () => {
        if (!this.ready) return { ready: false, reason: this.closing ? 'shutting down' : 'starting' };
        const h = cluster.health();
        return h.ok ? { ready: true } : { ready: false, reason: h.reason };
      },
      log: this.log.child({ stage: 'http' }),
      apiToken: cfg.apiToken,
      metricsToken: cfg.metricsToken,
      jobs,
      vodRoot: path.join(cfg.dataDir, 'jobs'),
      upscale: studio,
      ...(cluster.enabled ? { cluster: () => cluster.list() } : {}),
    });
    this.http = http;
    // HTTP first (the registry advertises its port), then the cluster, then publishes are taken.
    const httpPort = await http.start(cfg.httpPort, cfg.host);
    await cluster.start(httpPort);
    const rtmpPort = await ingest.start();
    await jobs.start();
    this.ready = true;
    this.log.info('uprez serving', {
      rtmp: `rtmp://${displayHost(cfg.host)}:${rtmpPort}/live/KEY`,
      player: `http://${displayHost(cfg.host)}:${httpPort}/player`,
      dataDir: cfg.dataDir,
    });
    return { rtmpPort, httpPort };
  }

  /**
   * createJobs sets up the file and restream jobs behind /api/jobs: records in DATA_DIR/jobs,
   * inputs only from the jobs input directory, restreams published to our own ingest over loopback.
   */
  private async createJobs(binaries: FfmpegBinaries, pushTargets: PushTargets, rtmpPort: () => number): Promise<JobManager> {
    const cfg = this.config;
    const inputDir = cfg.jobsInputDir || path.join(cfg.dataDir, 'inputs');
    await mkdir(inputDir, { recursive: true });
    const local = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
    const ingestBase = (): string => `rtmp://${local.includes(':') ? `[${local}]` : local}:${rtmpPort()}/live`;
    const jobs = new JobManager({
      store: new JobStore(path.join(cfg.dataDir, 'jobs'), this.log),
      executors: {
        file: fileJobExecutor({
          binaries,
          inputDir,
          dataDir: cfg.dataDir,
          provider: cfg.provider,
          ...(this.opts.modelsDir ? { modelsDir: this.opts.modelsDir } : {}),
        }),
        restream: restreamJobExecutor({ binaries, inputDir, ingestBase, policy: publishPolicy(cfg), pushTargets }),
      },
      concurrency: cfg.jobsConcurrency,
      log: this.log,
    });
    this.jobManager = jobs;
    return jobs;
  }

  /** jobs exposes the job manager (for embedders and tests). */
  get jobs(): JobManager | null {
    return this.jobManager;
  }

  /** streams exposes the stream directory (for embedders and tests). */
  get streams(): StreamManager | null {
    return this.manager;
  }

  /** close drains streams (ENDLIST), then stops ingest, HTTP and the model; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    this.ready = false;
    if (this.leftoverTimer) clearTimeout(this.leftoverTimer);
    this.log.info('closing');
    this.http?.beginShutdown();
    // Running jobs stop first and stay queued on disk (file jobs resume from their last segment).
    await this.jobManager?.close();
    // The running upscale batch stops after its current picture (the rest is marked not done).
    await this.studio?.close();
    await this.manager?.shutdown(this.opts.shutdownGraceMs ?? 10_000);
    await this.ingest?.close();
    // After the streams: their last playlists go up to the origin, then the leases are released.
    await this.cluster?.close();
    await this.http?.close();
    await this.models?.close();
    this.log.info('closed');
  }
}

/** publishPolicy derives the ingest's publish policy from the config. */
export function publishPolicy(cfg: ServeConfig): PublishPolicy {
  if (cfg.publishSecret) return { mode: 'hmac', secret: cfg.publishSecret, maxTtlSeconds: 7 * 86_400 };
  if (cfg.publishKeys.length > 0) return { mode: 'keys', keys: new Set(cfg.publishKeys) };
  return { mode: 'open' };
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

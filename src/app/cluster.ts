/**
 * The server's cluster parts, both optional: the HTTP origin every stream's HLS is also published
 * to (--hls-origin) and the Redis registry that gives each stream key one owner across instances
 * (--registry). `admit` is what the ingest asks before it accepts a publish; without either part
 * it admits everything and the stream is local, as on one instance.
 */
import path from 'node:path';
import type { ServeConfig } from '../config/serve-config.js';
import type { Admission } from '../ingest/rtmp-ingest.js';
import type { Logger } from '../log/logger.js';
import type { UprezMetrics } from '../metrics/metrics.js';
import { createOriginMetrics } from '../origin/origin-metrics.js';
import { OriginPublisher } from '../origin/origin-publisher.js';
import { openClusterStream } from '../registry/cluster-stream.js';
import type { LocalClusterHold } from '../stream/stream-manager.js';
import { clusterList, type ClusterListBody } from '../registry/cluster-view.js';
import { advertiseUrl, newInstanceId } from '../registry/instance.js';
import { RedisRegistry } from '../registry/redis-registry.js';
import { createRegistryMetrics } from '../registry/registry-metrics.js';

/** ClusterOptions: the config, the log, the metrics registry, and who already holds a key on this instance. */
export interface ClusterOptions {
  readonly cfg: ServeConfig;
  readonly log: Logger;
  readonly metrics: UprezMetrics;
  /** What this instance holds of KEY (StreamManager.localCluster). */
  readonly local: (key: string) => LocalClusterHold | null;
}

/** Cluster holds the origin publisher and the registry when configured. */
export class Cluster {
  readonly origin: OriginPublisher | null;
  registry: RedisRegistry | null = null;
  private readonly log: Logger;

  constructor(private readonly o: ClusterOptions) {
    this.log = o.log.child({ stage: 'cluster' });
    this.origin = o.cfg.hlsOrigin
      ? new OriginPublisher({
          url: o.cfg.hlsOrigin,
          spoolDir: path.join(o.cfg.dataDir, 'origin-spool'),
          log: o.log,
          metrics: createOriginMetrics(o.metrics.registry),
        })
      : null;
  }

  /** enabled says whether any cluster part is configured. */
  get enabled(): boolean {
    return this.origin !== null || this.o.cfg.registry !== '';
  }

  /** start starts the origin publisher and connects the registry (advertising this instance's HTTP port). */
  async start(httpPort: number): Promise<void> {
    await this.origin?.start();
    if (this.o.cfg.registry) {
      this.registry = new RedisRegistry({
        url: this.o.cfg.registry,
        self: { id: newInstanceId(), url: advertiseUrl(this.o.cfg.advertiseUrl, httpPort) },
        log: this.o.log,
        metrics: createRegistryMetrics(this.o.metrics.registry),
        ttlMs: this.o.cfg.leaseTtlSeconds * 1000,
      });
      await this.registry.start();
    }
  }

  /**
   * admit decides a publish of KEY for the cluster: a key this instance already streams (a
   * reconnect, a takeover) keeps its lease and origin output; otherwise the key's lease is taken
   * and its origin output opened (refused when another instance holds it, or the registry is down).
   */
  async admit(key: string): Promise<Admission> {
    let local = this.o.local(key);
    if (local?.kind === 'ending') {
      // The key's last run here is ending (it releases the lease when done): a new run follows it.
      await local.ended;
      local = this.o.local(key);
    }
    if (local?.kind === 'live') return { ok: true, cluster: local.stream, fresh: false };
    if (!this.enabled) return { ok: true, cluster: null, fresh: false };
    const r = await openClusterStream(key, { registry: this.registry ?? undefined, origin: this.origin ?? undefined, log: this.log });
    return r.ok ? { ok: true, cluster: r.stream, fresh: true } : { ok: false, refusal: r.refusal, message: r.message };
  }

  /** health: not ready while a configured registry is unreachable (publishes would be refused). */
  health(): { ok: true } | { ok: false; reason: string } {
    const h = this.registry?.health();
    return !h || h.ok ? { ok: true } : { ok: false, reason: `stream registry: ${h.reason ?? 'unreachable'}` };
  }

  /** list is every stream of the cluster with its owner (GET /api/streams?scope=cluster); null without a registry. */
  async list(): Promise<ClusterListBody | null> {
    return this.registry ? clusterList(this.registry) : null;
  }

  /** forget drops an ended stream's origin stats and series (it left /api/streams). */
  forget(key: string): void {
    this.origin?.forget(key);
  }

  /** close closes the origin publisher (after the streams flushed), then the registry; idempotent. */
  async close(): Promise<void> {
    await this.origin?.close();
    await this.registry?.close();
  }
}

/**
 * RedisRegistry is the StreamRegistry on Redis (--registry redis://HOST:PORT). Policy when Redis
 * cannot be reached: fail closed. acquire() answers 'unavailable' at once (the publish is
 * refused, as a duplicate would be, with its own reason), health() is not ok (so /readyz is 503
 * and the load balancer stops sending publishers here), and a held lease that cannot be renewed
 * for ttl - margin is reported lost, so its stream stops before another instance may take the key.
 */
import { Redis } from 'ioredis';
import { errorMessage, UprezError } from '../errors.js';
import { isValidStreamKey } from '../media/stream-key.js';
import type { Logger } from '../log/logger.js';
import { RedisLeaseStore, type LeaseStore } from './lease-store.js';
import { parseRegistryUrl, type RegistryTarget } from './registry-url.js';
import type { RegistryMetrics } from './registry-metrics.js';
import { HeldLease, type LeaseEvents } from './stream-lease.js';
import type { AcquireResult, InstanceInfo, LeaseInfo, RegistryHealth, StreamRegistry } from './stream-registry.js';

/** RedisRegistryOptions configure the registry client. */
export interface RedisRegistryOptions {
  /** redis://[user:password@]host[:port][/db] or rediss://…; validated here. */
  readonly url: string;
  /** This instance: see newInstanceId() and advertiseUrl(). */
  readonly self: InstanceInfo;
  readonly log: Logger;
  readonly metrics?: RegistryMetrics;
  /** Lease time to live: a crashed instance's streams can be published elsewhere this long after it died. Default 5 s. */
  readonly ttlMs?: number;
  /** Every Redis command's time limit. Default 1 s (well under ttl/5, so a hung renew cannot outlive the lease). */
  readonly commandTimeoutMs?: number;
  /** Key prefix, so several clusters can share one Redis. Default "uprez:". */
  readonly keyPrefix?: string;
  /** Tests replace the storage. */
  readonly store?: LeaseStore;
}

/** DEFAULT_LEASE_TTL_MS: how long a dead instance's keys stay taken. */
export const DEFAULT_LEASE_TTL_MS = 5_000;

/** RedisRegistry owns one Redis connection and this instance's leases. */
export class RedisRegistry implements StreamRegistry {
  readonly self: InstanceInfo;
  private readonly target: RegistryTarget;
  private readonly redis: Redis | null;
  private readonly store: LeaseStore;
  private readonly held = new Map<string, HeldLease>();
  private readonly ttlMs: number;
  private readonly log: Logger;
  private lastError = '';
  private closed = false;

  constructor(private readonly opts: RedisRegistryOptions) {
    this.target = parseRegistryUrl(opts.url, '--registry (UPREZ_REGISTRY)');
    this.self = opts.self;
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.log = opts.log.child({ stage: 'registry' });
    this.redis = opts.store ? null : this.connect(opts.commandTimeoutMs ?? 1_000);
    this.store = opts.store ?? new RedisLeaseStore(this.redis as Redis, opts.keyPrefix);
  }

  private connect(commandTimeout: number): Redis {
    const t = this.target;
    const redis = new Redis({
      host: t.host,
      port: t.port,
      db: t.db,
      username: t.username,
      password: t.password,
      tls: t.tls ? {} : undefined,
      lazyConnect: true,
      // Fail fast instead of queueing while disconnected or re-sending after a reconnect:
      // an acquire must not run twice, and a publish must not wait on a dead Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(200 * times, 2_000),
    });
    redis.on('ready', () => {
      this.lastError = ''; // so the next outage is logged again
      this.opts.metrics?.up.set(1);
      this.log.info('registry connected', { registry: t.display, instance: this.self.id });
    });
    redis.on('error', (err: Error) => {
      const msg = errorMessage(err);
      if (msg !== this.lastError)
        this.log.warn('registry unreachable: publishes are refused until it answers', { registry: t.display, err: msg });
      this.lastError = msg;
    });
    redis.on('close', () => this.opts.metrics?.up.set(0));
    return redis;
  }

  /** start connects; an unreachable Redis is not fatal (health() says so, and the client keeps trying). */
  async start(): Promise<void> {
    this.opts.metrics?.up.set(0);
    if (!this.redis) return this.opts.metrics?.up.set(1);
    try {
      await this.redis.connect();
    } catch (err) {
      this.lastError = errorMessage(err);
    }
  }

  health(): RegistryHealth {
    if (this.closed) return { ok: false, reason: 'registry closed' };
    if (this.redis === null || this.redis.status === 'ready') return { ok: true };
    return {
      ok: false,
      reason: `registry ${this.target.display} unreachable (${this.redis.status}${this.lastError ? `: ${this.lastError}` : ''})`,
    };
  }

  async acquire(key: string): Promise<AcquireResult> {
    if (!isValidStreamKey(key)) return { ok: false, reason: 'unavailable', message: 'invalid stream key' };
    if (this.closed) return { ok: false, reason: 'unavailable', message: 'registry closed' };
    const mine = this.held.get(key);
    if (mine && mine.lost === null) {
      this.opts.metrics?.acquireTotal.inc({ result: 'leased' });
      return { ok: false, reason: 'leased', holder: { key, owner: this.self, epoch: mine.epoch, since: 0 } };
    }
    const sentAt = Date.now();
    let r;
    try {
      r = await this.store.acquire(key, this.self, this.ttlMs);
    } catch (err) {
      this.opts.metrics?.acquireTotal.inc({ result: 'unavailable' });
      return { ok: false, reason: 'unavailable', message: `registry ${this.target.display} unreachable: ${errorMessage(err)}` };
    }
    if (!r.ok) {
      this.opts.metrics?.acquireTotal.inc({ result: 'leased' });
      return { ok: false, reason: 'leased', holder: r.holder };
    }
    const lease = new HeldLease(r.info, r.token, this.store, { ttlMs: this.ttlMs }, this.events, this.log, sentAt);
    this.held.set(key, lease);
    this.opts.metrics?.acquireTotal.inc({ result: 'acquired' });
    this.opts.metrics?.leaseHeld.set({ stream: key }, 1);
    this.log.info('lease taken', { stream: key, epoch: r.info.epoch });
    return { ok: true, lease };
  }

  private readonly events: LeaseEvents = {
    lost: (key, reason) => {
      this.held.delete(key);
      this.opts.metrics?.leaseLostTotal.inc({ reason });
      this.opts.metrics?.leaseHeld.remove({ stream: key });
    },
    ended: (key) => {
      this.held.delete(key);
      this.opts.metrics?.leaseHeld.remove({ stream: key });
    },
  };

  async list(): Promise<LeaseInfo[]> {
    try {
      return await this.store.list();
    } catch (err) {
      throw new UprezError('REGISTRY_UNAVAILABLE', `registry ${this.target.display} unreachable: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** heldKeys lists the keys this instance holds leases on. */
  heldKeys(): string[] {
    return [...this.held.keys()].sort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.held.values()].map((l) => l.release()));
    this.closed = true;
    if (this.redis) {
      await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
      this.redis.disconnect();
    }
  }
}

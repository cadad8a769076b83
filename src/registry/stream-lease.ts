/**
 * HeldLease keeps one key's lease alive: it renews every ttl/3 (compare-and-pexpire), retries
 * sooner after an error, and declares the lease lost when the store says it is gone or taken, or
 * when no renew has succeeded for ttl minus a margin (a watchdog on this instance's clock, counted
 * from when the last successful renew was *sent*, so it fires before Redis can hand the key to
 * someone else).
 */
import { errorMessage, UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { parseContinuity, type ContinuityState, type StreamContinuity } from './continuity.js';
import type { LeaseStore } from './lease-store.js';
import type { InstanceInfo, LeaseInfo, LeaseLostReason, StreamLease } from './stream-registry.js';

/** LeaseTiming derives the renew cadence from the TTL. */
export interface LeaseTiming {
  readonly ttlMs: number;
  /** Renew this often while all is well. Default ttl/3. */
  readonly renewEveryMs?: number;
  /** After a failed renew, try again this soon. Default ttl/10. */
  readonly retryMs?: number;
  /** Declare the lease lost this long before it could expire in Redis. Default ttl/5. */
  readonly marginMs?: number;
  /** How long a continuity record outlives its last save (a successor must come before). Default 24 h. */
  readonly continuityTtlMs?: number;
}

/** LeaseEvents lets the registry count and log lease changes. */
export interface LeaseEvents {
  lost(key: string, reason: LeaseLostReason): void;
  ended(key: string): void;
}

/** HeldLease is a StreamLease this instance holds; it starts renewing on construction. */
export class HeldLease implements StreamLease {
  readonly key: string;
  readonly epoch: number;
  readonly owner: InstanceInfo;
  private lostReason: LeaseLostReason | null = null;
  private stopped = false;
  private renewTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(reason: LeaseLostReason) => void>();
  private readonly renewEveryMs: number;
  private readonly retryMs: number;
  private readonly marginMs: number;

  constructor(
    info: LeaseInfo,
    private readonly token: string,
    private readonly store: LeaseStore,
    private readonly timing: LeaseTiming,
    private readonly events: LeaseEvents,
    private readonly log: Logger,
    acquiredAt: number,
  ) {
    this.key = info.key;
    this.epoch = info.epoch;
    this.owner = info.owner;
    this.renewEveryMs = timing.renewEveryMs ?? Math.max(1, Math.floor(timing.ttlMs / 3));
    this.retryMs = timing.retryMs ?? Math.max(1, Math.floor(timing.ttlMs / 10));
    this.marginMs = timing.marginMs ?? Math.floor(timing.ttlMs / 5);
    this.arm(acquiredAt);
    this.schedule(this.renewEveryMs);
  }

  get lost(): LeaseLostReason | null {
    return this.lostReason;
  }

  onLost(listener: (reason: LeaseLostReason) => void): () => void {
    if (this.lostReason !== null) {
      const reason = this.lostReason;
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async release(): Promise<void> {
    if (this.stopped) return;
    this.stop();
    this.events.ended(this.key);
    try {
      await this.store.release(this.key, this.token);
    } catch (err) {
      this.log.warn('lease not released (it expires on its own)', { stream: this.key, err: errorMessage(err) });
    }
  }

  /** continuity is the HLS writer's record store for this key, fenced by this lease: a save after the key changed hands is refused. */
  readonly continuity: StreamContinuity = {
    load: async (key) => {
      const json = await this.store.load(key);
      return json === null ? null : parseContinuity(json, key);
    },
    save: async (key: string, state: ContinuityState) => {
      if (key !== this.key) throw new UprezError('REGISTRY_WRONG_KEY', `lease for ${this.key} cannot save ${key}'s record`);
      if (this.lostReason !== null) throw new UprezError('REGISTRY_FENCED', `lease on ${key} was lost (${this.lostReason})`);
      const ok = await this.store.saveFenced(key, this.token, JSON.stringify(state), this.timing.continuityTtlMs ?? 24 * 3600 * 1000);
      if (!ok) {
        this.lose('taken');
        throw new UprezError('REGISTRY_FENCED', `stream ${key} is owned by another instance now: record not saved`);
      }
    },
  };

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), ms);
    this.renewTimer.unref?.();
  }

  /** arm (re)starts the watchdog: lost unless a renew sent after `sentAt` succeeds within ttl - margin. */
  private arm(sentAt: number): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const due = sentAt + this.timing.ttlMs - this.marginMs - Date.now();
    this.watchdog = setTimeout(() => this.lose('unreachable'), Math.max(0, due));
    this.watchdog.unref?.();
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const sentAt = Date.now();
    try {
      const r = await this.store.renew(this.key, this.token, this.timing.ttlMs);
      if (this.stopped) return;
      if (r !== 'ok') return this.lose(r);
      this.arm(sentAt);
      this.schedule(this.renewEveryMs);
    } catch (err) {
      if (this.stopped) return;
      this.log.warn('lease renew failed; retrying', { stream: this.key, err: errorMessage(err) });
      this.schedule(this.retryMs);
    }
  }

  private lose(reason: LeaseLostReason): void {
    if (this.stopped) return;
    this.stop();
    this.lostReason = reason;
    this.log.warn('lease lost: the stream must stop', { stream: this.key, reason, epoch: this.epoch });
    this.events.lost(this.key, reason);
    for (const l of [...this.listeners]) l(reason);
    this.listeners.clear();
  }

  private stop(): void {
    this.stopped = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.renewTimer = this.watchdog = null;
  }
}

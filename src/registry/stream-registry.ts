/**
 * The contract of the stream registry: one owner per stream key across uprez instances. The
 * ingest asks for a lease before it accepts a publish, the stream keeps it while it lives, and
 * a lease that is lost (taken, expired, registry unreachable) tells the stream to stop.
 */
import type { StreamContinuity } from './continuity.js';

/** InstanceInfo names an uprez instance in the cluster. */
export interface InstanceInfo {
  /** Unique per process (hostname plus a random suffix by default). */
  readonly id: string;
  /** Where that instance's HTTP API answers, e.g. http://10.1.2.3:8000. */
  readonly url: string;
}

/** LeaseInfo is one live stream in the cluster: its key, owner and fencing epoch. */
export interface LeaseInfo {
  readonly key: string;
  readonly owner: InstanceInfo;
  /** Fencing token: grows by one every time the key is leased, so a newer owner always has a larger one. */
  readonly epoch: number;
  /** When the owner took the lease (ms since epoch, the owner's clock). */
  readonly since: number;
}

/** Why a held lease ended without release(). */
export type LeaseLostReason = 'taken' | 'expired' | 'unreachable';

/** StreamLease is this instance's ownership of one key; the stream must stop when it is lost. */
export interface StreamLease {
  readonly key: string;
  readonly epoch: number;
  readonly owner: InstanceInfo;
  /** Null while held; the reason once lost. */
  readonly lost: LeaseLostReason | null;
  /** onLost calls `listener` once when the lease is lost (at once if it already is); returns an unsubscribe. */
  onLost(listener: (reason: LeaseLostReason) => void): () => void;
  /** release gives the key up (compare-and-delete: never someone else's lease); idempotent, never throws. */
  release(): Promise<void>;
  /** The key's continuity record, for the HLS writer; save() is fenced by this lease (refused once the key changed hands). */
  readonly continuity: StreamContinuity;
}

/** AcquireResult: the lease, or why not (the ingest refuses the publish either way). */
export type AcquireResult =
  | { readonly ok: true; readonly lease: StreamLease }
  /** Another instance (or this one) holds the key: same policy as a second publisher on one instance. */
  | { readonly ok: false; readonly reason: 'leased'; readonly holder: LeaseInfo | null }
  /** The registry cannot be reached: fail closed, refuse the publish. */
  | { readonly ok: false; readonly reason: 'unavailable'; readonly message: string };

/** RegistryHealth feeds /readyz: not ready while the registry is unreachable (publishes would be refused). */
export interface RegistryHealth {
  readonly ok: boolean;
  readonly reason?: string;
}

/** StreamRegistry is the cluster-wide owner table. */
export interface StreamRegistry {
  /** This instance. */
  readonly self: InstanceInfo;
  /** acquire takes the key's lease atomically if nobody holds it, and keeps renewing it until release or loss; never throws. */
  acquire(key: string): Promise<AcquireResult>;
  /** list returns every live stream in the cluster with its owner; rejects REGISTRY_UNAVAILABLE. */
  list(): Promise<LeaseInfo[]>;
  /** health is the registry connection's state, synchronously. */
  health(): RegistryHealth;
  /** close releases every lease this instance holds and disconnects; idempotent. */
  close(): Promise<void>;
}

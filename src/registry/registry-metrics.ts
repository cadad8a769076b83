/** Prometheus metrics of the stream registry, registered on the server's own registry. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LeaseLostReason } from './stream-registry.js';

/** RegistryMetrics: connection state, the leases this instance holds, and how they end. */
export interface RegistryMetrics {
  /** 1 while the registry (Redis) answers, else 0: publishes are refused while it is 0. */
  readonly up: Gauge;
  /** 1 for each stream whose lease this instance holds (the lease state; series removed when it ends). */
  readonly leaseHeld: Gauge<'stream'>;
  /** Acquire attempts by result: acquired, leased (held elsewhere), unavailable. */
  readonly acquireTotal: Counter<'result'>;
  /** Leases lost while held, by reason: taken, expired, unreachable. */
  readonly leaseLostTotal: Counter<'reason'>;
}

/** createRegistryMetrics registers the registry's metrics on `registry` (call once per registry). */
export function createRegistryMetrics(registry: Registry): RegistryMetrics {
  const registers = [registry];
  return {
    up: new Gauge({
      name: 'uprez_registry_up',
      help: 'Whether the stream registry (Redis) answers: 1 yes, 0 no (publishes are refused).',
      registers,
    }),
    leaseHeld: new Gauge({
      name: 'uprez_registry_lease_held',
      help: 'Set to 1 for each stream whose ownership lease this instance holds.',
      labelNames: ['stream'] as const,
      registers,
    }),
    acquireTotal: new Counter({
      name: 'uprez_registry_acquire_total',
      help: 'Lease requests for a publish, by result (acquired, leased elsewhere, registry unavailable).',
      labelNames: ['result'] as const,
      registers,
    }),
    leaseLostTotal: new Counter({
      name: 'uprez_registry_lease_lost_total',
      help: 'Stream leases lost while held, by reason (taken, expired, unreachable).',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}

/** LEASE_LOST_REASONS lists the reason label values. */
export const LEASE_LOST_REASONS: readonly LeaseLostReason[] = ['taken', 'expired', 'unreachable'];

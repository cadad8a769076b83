/**
 * The cluster's stream list for GET /api/streams?scope=cluster: every live stream from the
 * registry with its owner, marking this instance's own. Pure over the registry's answer.
 */
import type { InstanceInfo, LeaseInfo, StreamRegistry } from './stream-registry.js';

/** ClusterStreamEntry is one stream of the cluster as the API shows it. */
export interface ClusterStreamEntry {
  readonly key: string;
  readonly owner: InstanceInfo;
  /** True when this instance owns it (its full snapshot is in `streams`). */
  readonly local: boolean;
  readonly epoch: number;
  /** ms since epoch, the owner's clock. */
  readonly since: number;
}

/** ClusterListBody is the `cluster` part of GET /api/streams?scope=cluster (beside the usual `streams`). */
export interface ClusterListBody {
  readonly self: InstanceInfo;
  readonly cluster: readonly ClusterStreamEntry[];
}

/** clusterEntries marks which leases are this instance's, sorted by key. */
export function clusterEntries(leases: readonly LeaseInfo[], self: InstanceInfo): ClusterStreamEntry[] {
  return leases
    .map((l) => ({ key: l.key, owner: l.owner, local: l.owner.id === self.id, epoch: l.epoch, since: l.since }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** clusterList reads the registry; rejects REGISTRY_UNAVAILABLE (answer 503 then). */
export async function clusterList(registry: Pick<StreamRegistry, 'list' | 'self'>): Promise<ClusterListBody> {
  return { self: registry.self, cluster: clusterEntries(await registry.list(), registry.self) };
}

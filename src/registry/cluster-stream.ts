/**
 * openClusterStream is the one call a publish makes to the cluster parts: take the key's lease
 * (refused if another instance, or this one, holds it; refused if the registry is unreachable),
 * load the predecessor's continuity record, and open the stream's origin output with the
 * write-ahead recorder as its gate. Without --registry and --hls-origin it opens nothing and the
 * stream is local only, as before.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { OriginMirror } from '../origin/origin-mirror.js';
import type { OriginPublisher } from '../origin/origin-publisher.js';
import type { ContinuityState } from './continuity.js';
import { ContinuityRecorder } from './continuity-recorder.js';
import type { LeaseLostReason, StreamLease, StreamRegistry } from './stream-registry.js';

/** ClusterDeps are the server's cluster parts; each is optional. */
export interface ClusterDeps {
  readonly registry?: StreamRegistry | undefined;
  readonly origin?: OriginPublisher | undefined;
  readonly log: Logger;
}

/** Why a publish is refused (a PublishRefusal for the ingest's metric): same key live elsewhere, or registry unreachable. */
export type ClusterRefusal = 'duplicate' | 'registry_unavailable';

/** ClusterStream is one stream's share of the cluster. */
export interface ClusterStream {
  readonly key: string;
  /** The origin HlsOutput to add to the stream's outputs (after the local one), or null without --hls-origin. */
  readonly output: OriginMirror | null;
  /** The previous owner's record: continue its playlists (continuationOf per rendition); null for a new stream or without a registry. */
  readonly continueFrom: ContinuityState | null;
  readonly lease: StreamLease | null;
  /** onLost calls `listener` once if the lease is lost: stop the stream (nothing of it reaches the origin any more). */
  onLost(listener: (reason: LeaseLostReason) => void): () => void;
  /** close flushes the origin output (its last playlists committed and up), then releases the lease; idempotent. */
  close(): Promise<void>;
}

/** ClusterOpenResult: the stream's cluster share, or why the publish must be refused. */
export type ClusterOpenResult =
  | { readonly ok: true; readonly stream: ClusterStream }
  | { readonly ok: false; readonly refusal: ClusterRefusal; readonly message: string };

/** openClusterStream opens stream `key` in the cluster (see the module comment); never throws. */
export async function openClusterStream(key: string, deps: ClusterDeps): Promise<ClusterOpenResult> {
  const log = deps.log.child({ stage: 'cluster', stream: key });
  let lease: StreamLease | null = null;
  let record: ContinuityState | null = null;
  if (deps.registry) {
    const r = await deps.registry.acquire(key);
    if (!r.ok && r.reason === 'leased') {
      const owner = r.holder?.owner;
      return {
        ok: false,
        refusal: 'duplicate',
        message: `stream ${key} is live on ${owner ? `${owner.id} (${owner.url})` : 'another instance'}`,
      };
    }
    if (!r.ok) return { ok: false, refusal: 'registry_unavailable', message: r.message };
    lease = r.lease;
    try {
      record = await lease.continuity.load(key);
    } catch (err) {
      log.warn('continuity record not read: the stream starts new playlists', { err: errorMessage(err) });
    }
    if (record) log.info('continuing the playlists of a previous owner', { from: record.instance, epoch: record.epoch });
  }
  let output: OriginMirror | null = null;
  if (deps.origin) {
    const held = lease;
    const recorder = held
      ? new ContinuityRecorder({ key, instance: held.owner.id, epoch: held.epoch, store: held.continuity, log, initial: record })
      : null;
    output = deps.origin.forStream(key, recorder ? { commit: (rel, text) => recorder.commit(rel, text) } : {});
    // Files a dead owner retired but may not have deleted: removed once nothing visible lists them.
    for (const rel of record?.retired ?? []) output.remove(rel);
  }
  let closing: Promise<void> | null = null;
  const stream: ClusterStream = {
    key,
    output,
    continueFrom: record,
    lease,
    onLost: (listener) => lease?.onLost(listener) ?? (() => {}),
    close: () =>
      (closing ??= (async () => {
        await output?.close();
        await lease?.release();
      })()),
  };
  return { ok: true, stream };
}

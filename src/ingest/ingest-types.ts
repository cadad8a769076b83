/** What the RTMP ingest tells its owner (events) and asks of it (options, the cluster's admission). */
import type { Logger } from '../log/logger.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import type { FeedSource } from './publish-feed.js';
import type { AuthRefusal, PublishPolicy } from './publish-auth.js';

/** PublishEvent announces an accepted publish whose video header has arrived. */
export interface PublishEvent {
  readonly key: string;
  readonly sessionId: string;
  readonly clientAddress: string;
  readonly hasAudio: boolean;
  /** The publish as an FLV byte stream from its first tag, for the decoder's stdin. */
  readonly feed: FeedSource;
  /** The key's share of the cluster (its lease and origin output), or null on a lone instance. */
  readonly cluster: ClusterStream | null;
}

/**
 * Admission is the cluster's answer to a publish (see app/cluster.ts): admitted with the key's
 * cluster stream (`fresh`: opened for this publish, so closed if the publish never starts), or
 * refused because another instance owns the key or the registry cannot say.
 */
export type Admission =
  | { readonly ok: true; readonly cluster: ClusterStream | null; readonly fresh: boolean }
  | { readonly ok: false; readonly refusal: 'duplicate' | 'registry_unavailable'; readonly message: string };

/** Why a publish was refused (metric label values). */
export type PublishRefusal =
  'invalid_key' | 'duplicate' | 'shutting_down' | 'no_video' | 'rate_limited' | 'registry_unavailable' | AuthRefusal;

/** IngestEvents are what the ingest emits. */
export interface IngestEvents {
  publish: (e: PublishEvent) => void;
  /**
   * The publish ended. `clean` is true when the publisher said so (RTMP deleteStream/FCUnpublish,
   * as ffmpeg and OBS send on stop); false for a dropped connection or a takeover, after which it
   * may come back. The feed ends by itself: the decoder reads end-of-input after the last tag.
   */
  unpublish: (key: string, sessionId: string, clean: boolean) => void;
  refused: (reason: PublishRefusal, key: string, clientAddress: string) => void;
}

/** RtmpIngestOptions configures the RTMP listener. */
export interface RtmpIngestOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** How long to wait for the publisher's video header before refusing (ms). Default 10 000. */
  readonly headerWaitMs?: number;
  /** Idle sockets (half-open, silent) are closed after this long (ms). Default 30 000. */
  readonly idleTimeoutMs?: number;
  /** Who may publish (default: anyone with a valid key). */
  readonly auth?: PublishPolicy;
  /** Publish attempts allowed per client address per minute (default 30). */
  readonly publishesPerMinute?: number;
  /** Connections open at once; more are closed at accept. Default 1000. */
  readonly maxConnections?: number;
  /** A publish's feed pauses the publisher above this many queued bytes. Default 64 MiB. */
  readonly feedHighWaterBytes?: number;
  /** Asked after the local checks (the cluster: one owner per key across instances); default: admitted, local only. */
  readonly admit?: (key: string) => Promise<Admission>;
}

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { UprezError } from '../errors.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, metadataDeclaresAudio, scriptTagBody, splitAggregate } from './flv.js';
import type { IngestEvents, PublishRefusal, RtmpIngestOptions } from './ingest-types.js';
import { PublishFeed, type FeedStats } from './publish-feed.js';
import { authorizePublish } from './publish-auth.js';
import { RateLimiter } from './rate-limiter.js';
import { MSG } from './rtmp/chunk-writer.js';
import { RtmpConnection, type MediaSink, type PublishDecision, type PublishGate, type PublishRequest } from './rtmp/rtmp-connection.js';
import { isValidStreamKey, RTMP_APP } from '../media/stream-key.js';

export type { Admission, IngestEvents, PublishEvent, PublishRefusal, RtmpIngestOptions } from './ingest-types.js';

/** Audio without any video header for this much stream time is an audio-only publish (ms). */
const AUDIO_ONLY_AFTER_MS = 3_000;
/** After the video header, how long a late audio header may take when metadata did not say (ms). */
const AUDIO_HEADER_GRACE_MS = 300;

/** Status codes a refused client is sent, by refusal. */
const REFUSAL_STATUS: Record<PublishRefusal, { code: string; description: (key: string) => string }> = {
  invalid_key: {
    code: 'NetStream.Publish.BadName',
    description: (k) =>
      `invalid stream: publish to rtmp://HOST/${RTMP_APP}/KEY with KEY of letters, digits, _ and - (at most 64); got "${k.slice(0, 80)}"`,
  },
  duplicate: { code: 'NetStream.Publish.BadName', description: (k) => `stream ${k} is already being published` },
  registry_unavailable: {
    code: 'NetStream.Publish.Failed',
    description: () => 'the stream registry cannot be reached: publishes are refused until it can (so no key gets two owners)',
  },
  shutting_down: { code: 'NetStream.Publish.Failed', description: () => 'the server is shutting down' },
  no_video: {
    code: 'NetStream.Publish.Rejected',
    description: () => 'no video: uprez needs a video track (H.264), this publish sent audio only',
  },
  rate_limited: { code: 'NetStream.Publish.Denied', description: () => 'too many publish attempts from this address; retry in a minute' },
  unknown_key: { code: 'NetStream.Publish.Denied', description: (k) => `stream key ${k} is not allowed to publish` },
  missing_signature: {
    code: 'NetStream.Publish.Denied',
    description: () => 'this server needs signed publish URLs (?exp=...&sig=...): see uprez sign',
  },
  bad_signature: { code: 'NetStream.Publish.Denied', description: () => 'the publish signature is not valid' },
  expired: { code: 'NetStream.Publish.Denied', description: () => 'the publish signature has expired' },
};

/** One accepted publish: its key, connection and feed. */
interface Publication {
  readonly key: string;
  readonly sessionId: string;
  readonly conn: RtmpConnection;
  readonly feed: PublishFeed;
  readonly cluster: ClusterStream | null;
  /** The cluster stream was opened for this publish: closed if it never starts. */
  readonly freshCluster: boolean;
  announced: boolean;
  ended: boolean;
  /** Audio presence as onMetaData declared it (undefined: not said). */
  metadataAudio: boolean | undefined;
  audioTags: number;
  firstAudioTs: number | null;
  headerTimer: NodeJS.Timeout | null;
  graceTimer: NodeJS.Timeout | null;
}

/**
 * RtmpIngest is the RTMP listener: it owns every connection (src/ingest/rtmp/), decides who may
 * publish which key, and hands each accepted publish to its consumer as an FLV feed. Only an
 * accepted publisher's own media ever reaches a feed; a refused or unauthenticated client never
 * touches a key (see README, Security: the publish policy and what an operator can rely on).
 *
 * Second publisher on a live key: with signed publish URLs (--publish-secret) a correctly signed
 * publish takes the key over (the previous publisher is disconnected and the stream continues as
 * after a reconnect: what OBS users expect after a crash on the other end, whose dead connection
 * may linger); without signatures it is refused (`duplicate`): a key is public in viewer URLs, so
 * knowing it proves nothing.
 */
export class RtmpIngest extends TypedEmitter<IngestEvents> implements PublishGate {
  private readonly server: net.Server;
  private readonly connections = new Set<RtmpConnection>();
  /** key -> the current publication. */
  private readonly owners = new Map<string, Publication>();
  private readonly byConn = new Map<RtmpConnection, Publication>();
  private readonly limiter: RateLimiter;
  private refusing = false;
  private closed = false;
  private boundPort = 0;
  private readonly log: Logger;

  constructor(private readonly opts: RtmpIngestOptions) {
    super((event, err) =>
      opts.log.error('an ingest listener threw', { stage: 'ingest', event, err: err instanceof Error ? err.message : String(err) }),
    );
    this.log = opts.log.child({ stage: 'ingest' });
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.server.maxConnections = opts.maxConnections ?? 1000;
    this.limiter = new RateLimiter(opts.publishesPerMinute ?? 30, 60_000);
  }

  /** start listens and resolves to the bound port. */
  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const why =
          err.code === 'EADDRINUSE' ? 'is already in use (set --rtmp-port or UPREZ_RTMP_PORT)' : `cannot be listened on: ${err.message}`;
        reject(new UprezError('INGEST_LISTEN_FAILED', `RTMP port ${this.opts.port} on ${this.opts.host} ${why}`, { cause: err }));
      };
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (err) => this.log.error('rtmp listener error', { err }));
    const addr = this.server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    this.log.info('started rtmp ingest', { host: this.opts.host, port: this.boundPort });
    return this.boundPort;
  }

  /** port is the bound RTMP port (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** isLive says whether KEY has an announced publisher right now. */
  isLive(key: string): boolean {
    return this.owners.get(key)?.announced === true;
  }

  /** bytesIn is the byte count received from KEY's current publisher (0 when none). */
  bytesIn(key: string): number {
    return this.owners.get(key)?.conn.receivedBytes ?? 0;
  }

  /** feedStats reports KEY's current feed (null when none). */
  feedStats(key: string): FeedStats | null {
    return this.owners.get(key)?.feed.stats() ?? null;
  }

  /**
   * endFeed ends KEY's feed now (shutdown: the decoder drains what it has and sees end-of-input);
   * what the publisher sends afterwards is dropped. The connection stays until close().
   */
  endFeed(key: string): void {
    this.owners.get(key)?.feed.end();
  }

  /**
   * disconnect ends KEY's publish and tells its publisher why (the stream cannot go on, e.g. its
   * output directory is unwritable). The unpublish event follows as for a dropped connection.
   */
  disconnect(key: string, description: string): void {
    const pub = this.owners.get(key);
    if (!pub) return;
    this.endPublication(pub, false);
    pub.conn.refuse({ code: 'NetStream.Publish.Failed', description });
  }

  /** refusePublishes makes every new publish fail (shutdown begins); running ones continue. */
  refusePublishes(): void {
    this.refusing = true;
  }

  /** close stops listening and destroys every connection; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.refusing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.destroy('server closing');
    await closed;
    this.log.info('closed rtmp ingest');
  }

  /** requestPublish decides a publish request (PublishGate): policy first, then the key. */
  async requestPublish(conn: RtmpConnection, req: PublishRequest): Promise<PublishDecision> {
    const key = req.name;
    const refuse = (reason: PublishRefusal): PublishDecision => {
      this.log.warn('refused publish', { reason, key: key.slice(0, 80), client: req.clientAddress });
      this.emit('refused', reason, key.slice(0, 80), req.clientAddress);
      const s = REFUSAL_STATUS[reason];
      return { ok: false, status: { code: s.code, description: s.description(key) } };
    };
    if (this.refusing) return refuse('shutting_down');
    if (!this.limiter.allow(req.clientAddress, Date.now())) return refuse('rate_limited');
    if (req.app !== RTMP_APP || !isValidStreamKey(key)) return refuse('invalid_key');
    const policy = this.opts.auth ?? { mode: 'open' };
    const auth = authorizePublish(policy, key, req.query, Date.now() / 1000);
    if (!auth.ok) return refuse(auth.reason);
    const current = this.owners.get(key);
    if (current && !current.ended && policy.mode !== 'hmac') return refuse('duplicate');
    // The cluster: another instance may own the key (the local takeover below keeps this one's lease).
    const admission = this.opts.admit ? await this.opts.admit(key) : ({ ok: true, cluster: null, fresh: false } as const);
    if (!admission.ok) {
      this.log.warn('refused publish', { reason: admission.refusal, key, client: req.clientAddress, why: admission.message });
      this.emit('refused', admission.refusal, key, req.clientAddress);
      const s = REFUSAL_STATUS[admission.refusal];
      return {
        ok: false,
        status: { code: s.code, description: admission.refusal === 'duplicate' ? admission.message : s.description(key) },
      };
    }
    if (conn.isClosed || this.refusing) {
      // Gone (or shutting down) while the cluster was asked: give back what was opened for it.
      if (admission.fresh) void admission.cluster?.close();
      return refuse('shutting_down');
    }
    const again = this.owners.get(key);
    if (again && !again.ended) {
      if (policy.mode !== 'hmac') {
        if (admission.fresh) void admission.cluster?.close();
        return refuse('duplicate');
      }
      this.log.warn('signed publisher takes over the stream', {
        stream: key,
        client: req.clientAddress,
        previous: again.conn.clientAddress,
      });
      this.endPublication(again, false);
      again.conn.refuse({ code: 'NetStream.Publish.Denied', description: `another signed publisher took over ${key}` });
    }
    const pub: Publication = {
      key,
      sessionId: `${conn.id}-${randomBytes(4).toString('hex')}`,
      conn,
      cluster: admission.cluster,
      freshCluster: admission.fresh,
      feed: new PublishFeed(() => this.hasAudio(pub), {
        highWaterBytes: this.opts.feedHighWaterBytes,
        onPressure: (paused) => (paused ? conn.pause() : conn.resume()),
      }),
      announced: false,
      ended: false,
      metadataAudio: undefined,
      audioTags: 0,
      firstAudioTs: null,
      headerTimer: null,
      graceTimer: null,
    };
    this.owners.set(key, pub);
    this.byConn.set(conn, pub);
    pub.headerTimer = setTimeout(() => this.refuseNoVideo(pub), this.opts.headerWaitMs ?? 10_000);
    pub.headerTimer.unref();
    this.log.info('publish accepted, waiting for the video header', { stream: key, client: req.clientAddress });
    return { ok: true, sink: this.sinkFor(pub) };
  }

  /** publishEnded (PublishGate): the connection's publish is over. */
  publishEnded(conn: RtmpConnection, clean: boolean): void {
    const pub = this.byConn.get(conn);
    if (pub) this.endPublication(pub, clean);
  }

  private endPublication(pub: Publication, clean: boolean): void {
    this.byConn.delete(pub.conn);
    if (pub.ended) return;
    pub.ended = true;
    if (pub.headerTimer) clearTimeout(pub.headerTimer);
    if (pub.graceTimer) clearTimeout(pub.graceTimer);
    pub.feed.end();
    if (this.owners.get(pub.key) === pub) this.owners.delete(pub.key);
    if (!pub.announced) {
      // Never started: its lease and origin output were opened for nothing.
      if (pub.freshCluster) void pub.cluster?.close();
      return;
    }
    this.log.info(clean ? 'publish ended' : 'publisher connection lost', { stream: pub.key, reason: pub.conn.closeReason ?? undefined });
    this.emit('unpublish', pub.key, pub.sessionId, clean);
  }

  private hasAudio(pub: Publication): boolean {
    return pub.feed.hasAudioHeader || pub.audioTags > 0 || pub.metadataAudio === true;
  }

  private sinkFor(pub: Publication): MediaSink {
    const push = (type: number, ts: number, body: Buffer): void => {
      if (pub.ended) return;
      if (type === FLV_SCRIPT) {
        const script = scriptTagBody(body);
        if (!script) return;
        pub.metadataAudio ??= metadataDeclaresAudio(script);
        pub.feed.push(FLV_SCRIPT, ts, script);
      } else if (type === FLV_AUDIO) {
        pub.audioTags++;
        pub.firstAudioTs ??= ts;
        pub.feed.push(type, ts, body);
        if (!pub.feed.hasVideoHeader && (ts - pub.firstAudioTs) >>> 0 > AUDIO_ONLY_AFTER_MS) this.refuseNoVideo(pub);
      } else if (type === FLV_VIDEO) {
        pub.feed.push(type, ts, body);
      }
      if (!pub.announced && pub.feed.hasVideoHeader) this.maybeAnnounce(pub);
    };
    return {
      media: (type, ts, body) => {
        if (type === MSG.aggregate) for (const part of splitAggregate(body, ts)) push(part.type, part.timestamp, part.body);
        else push(type, ts, body);
      },
    };
  }

  /** maybeAnnounce announces once the audio question is settled (header, metadata, or a short grace). */
  private maybeAnnounce(pub: Publication): void {
    if (pub.announced || pub.ended) return;
    if (pub.headerTimer) clearTimeout(pub.headerTimer);
    pub.headerTimer = null;
    const settled = pub.feed.hasAudioHeader || pub.metadataAudio !== undefined;
    if (!settled) {
      pub.graceTimer ??= setTimeout(() => this.announce(pub), AUDIO_HEADER_GRACE_MS);
      pub.graceTimer.unref();
      return;
    }
    this.announce(pub);
  }

  private announce(pub: Publication): void {
    if (pub.announced || pub.ended) return;
    if (pub.graceTimer) clearTimeout(pub.graceTimer);
    pub.announced = true;
    const hasAudio = this.hasAudio(pub);
    this.log.info('publish accepted', { stream: pub.key, client: pub.conn.clientAddress, audio: hasAudio });
    this.emit('publish', {
      key: pub.key,
      sessionId: pub.sessionId,
      clientAddress: pub.conn.clientAddress,
      hasAudio,
      feed: pub.feed,
      cluster: pub.cluster,
    });
  }

  private refuseNoVideo(pub: Publication): void {
    if (pub.announced || pub.ended) return;
    this.log.warn('refused publish', { reason: 'no_video', key: pub.key, client: pub.conn.clientAddress });
    this.emit('refused', 'no_video', pub.key, pub.conn.clientAddress);
    this.endPublication(pub, false);
    const s = REFUSAL_STATUS.no_video;
    pub.conn.refuse({ code: s.code, description: s.description(pub.key) });
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // Half-open or silent connections must not hold a slot forever.
    socket.setTimeout(this.opts.idleTimeoutMs ?? 30_000, () => conn.destroy('idle'));
    socket.on('error', () => {
      /* a reset must not crash the process; 'close' follows */
    });
    const conn = new RtmpConnection(socket, this);
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }
}

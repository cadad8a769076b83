import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Logger } from '../log/logger.js';
import { loadNms, type NmsBroadcast, type NmsModules, type NmsSession } from './nms-internals.js';
import { authorizePublish, type AuthRefusal, type PublishPolicy } from './publish-auth.js';
import { RateLimiter } from './rate-limiter.js';
import { isValidStreamKey, RTMP_APP } from './stream-key.js';

/** PublishEvent announces an accepted publish whose codec headers have arrived. */
export interface PublishEvent {
  readonly key: string;
  readonly sessionId: string;
  readonly clientAddress: string;
  readonly hasAudio: boolean;
  /** URL the decoder plays the stream from (loopback, with a per-process token). */
  readonly playUrl: string;
}

/** Why a publish was refused (metric label values). */
export type PublishRefusal = 'invalid_key' | 'duplicate' | 'shutting_down' | 'no_video' | 'rate_limited' | AuthRefusal;

/** IngestListener receives the adapter's typed events. */
export interface IngestListener {
  publish?(e: PublishEvent): void;
  /**
   * The publisher left. `clean` is true when it said so (RTMP deleteStream, as ffmpeg and OBS
   * send on stop); false for a dropped connection, which may come back.
   */
  unpublish?(key: string, sessionId: string, clean: boolean): void;
  refused?(reason: PublishRefusal, key: string, clientAddress: string): void;
}

/** RtmpIngestOptions configures the RTMP listener. */
export interface RtmpIngestOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** How long to wait for the publisher's video header before refusing (ms). */
  readonly headerWaitMs?: number;
  /** Idle sockets (half-open, silent) are closed after this long (ms). */
  readonly idleTimeoutMs?: number;
  /** Who may publish (default: anyone with a valid key). */
  readonly auth?: PublishPolicy;
  /** Publish attempts allowed per client address per minute (default 30). */
  readonly publishesPerMinute?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * RtmpIngest is the one typed adapter over node-media-server v4: it owns the RTMP listener,
 * hands each connection to node-media-server's RTMP session, enforces our key rules, and turns
 * its global events into typed publish/unpublish events for the streams it accepted.
 */
export class RtmpIngest {
  private readonly nms: NmsModules;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly ownSessions = new Set<string>();
  private readonly refusedSessions = new Set<string>();
  private readonly cleanStops = new Set<string>();
  /** key -> accepted publisher session id. */
  private readonly live = new Map<string, string>();
  private readonly listeners = new Set<IngestListener>();
  private readonly playToken = randomBytes(16).toString('hex');
  private readonly limiter: RateLimiter;
  private refusing = false;
  private closed = false;
  private boundPort = 0;
  private readonly log: Logger;

  constructor(private readonly opts: RtmpIngestOptions) {
    this.log = opts.log.child({ stage: 'ingest' });
    this.nms = loadNms();
    // node-media-server's logger defaults to debug and prints every packet-level event.
    this.nms.logger.level = 'warn';
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.limiter = new RateLimiter(opts.publishesPerMinute ?? 30, 60_000);
  }

  /** on registers a listener; the returned function removes it. */
  on(listener: IngestListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** start listens and resolves to the bound port. */
  async start(): Promise<number> {
    const { eventEmitter } = this.nms.context;
    eventEmitter.on('prePublish', this.onPrePublish);
    eventEmitter.on('postPublish', this.onPostPublish);
    eventEmitter.on('postPlay', this.onPostPlay);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(`RTMP port ${this.opts.port} on ${this.opts.host} is already in use (set --rtmp-port or UPREZ_RTMP_PORT)`)
            : err,
        );
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

  /** playUrl is where the decoder reads KEY from: loopback only, with this process's token. */
  playUrl(key: string): string {
    return `rtmp://127.0.0.1:${this.boundPort}/${RTMP_APP}/${key}?token=${this.playToken}`;
  }

  /** isLive says whether KEY has an accepted publisher right now. */
  isLive(key: string): boolean {
    return this.live.has(key);
  }

  /** bytesIn is the byte count received from KEY's current publisher (0 when none). */
  bytesIn(key: string): number {
    const id = this.live.get(key);
    const session = id ? this.nms.context.sessions.get(id) : undefined;
    return session?.inBytes ?? 0;
  }

  /**
   * endPlayers closes our loopback players of KEY (the decoder), so they see end-of-stream
   * after the bytes already sent: this is how the decoder learns that a publish ended.
   */
  endPlayers(key: string): void {
    const b = this.broadcast(key);
    if (!b) return;
    for (const s of b.subscribers.values()) {
      if (!this.ownSessions.has(s.id)) continue;
      // Say so in RTMP first: ffmpeg then reads a clean end of stream instead of an I/O error.
      s.rtmp.sendStatusMessage(s.rtmp.streamId, 'status', 'NetStream.Play.UnpublishNotify', `${key} is now unpublished.`);
      s.close();
    }
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
    const { eventEmitter } = this.nms.context;
    eventEmitter.off('prePublish', this.onPrePublish);
    eventEmitter.off('postPublish', this.onPostPublish);
    eventEmitter.off('postPlay', this.onPostPlay);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.log.info('closed rtmp ingest');
  }

  private emit<K extends keyof IngestListener>(name: K, ...args: Parameters<NonNullable<IngestListener[K]>>): void {
    for (const l of this.listeners) {
      const fn = l[name] as ((...a: typeof args) => void) | undefined;
      try {
        fn?.apply(l, args);
      } catch (err) {
        this.log.error('ingest listener threw', { event: name, err });
      }
    }
  }

  private broadcast(key: string): NmsBroadcast | undefined {
    return this.nms.context.broadcasts.get(`/${RTMP_APP}/${key}`);
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // Half-open or silent connections must not hold a slot forever.
    socket.setTimeout(this.opts.idleTimeoutMs ?? 30_000, () => socket.destroy());
    socket.on('error', () => {
      /* node-media-server logs socket errors itself; a reset must not crash the process */
    });
    const session = new this.nms.RtmpSession(socket);
    this.ownSessions.add(session.id);
    // A publisher that stops on purpose deletes its stream before closing; a dropped one does not.
    session.rtmp.onDeleteStream = () => this.cleanStops.add(session.id);
    socket.on('close', () => {
      this.ownSessions.delete(session.id);
      this.refusedSessions.delete(session.id);
      // After the unpublish listener (registered later on the same socket) has read it.
      setImmediate(() => this.cleanStops.delete(session.id));
    });
    session.run();
    this.nms.context.sessions.set(session.id, session);
  }

  private refuse(session: NmsSession, reason: PublishRefusal): void {
    this.refusedSessions.add(session.id);
    const address = session.socket.remoteAddress ?? '';
    this.log.warn('refused publish', { reason, key: session.streamName, client: address });
    this.emit('refused', reason, session.streamName, address);
    session.close();
  }

  private readonly onPrePublish = (session: NmsSession): void => {
    if (!this.ownSessions.has(session.id)) return;
    if (this.refusing) return this.refuse(session, 'shutting_down');
    if (!this.limiter.allow(session.socket.remoteAddress ?? '', Date.now())) return this.refuse(session, 'rate_limited');
    if (session.streamApp !== RTMP_APP || !isValidStreamKey(session.streamName)) {
      return this.refuse(session, 'invalid_key');
    }
    const auth = authorizePublish(this.opts.auth ?? { mode: 'open' }, session.streamName, session.streamQuery, Date.now() / 1000);
    if (!auth.ok) return this.refuse(session, auth.reason);
  };

  private readonly onPostPublish = (session: NmsSession): void => {
    if (!this.ownSessions.has(session.id) || this.refusedSessions.has(session.id)) return;
    // node-media-server emits postPublish before it checks for an existing publisher; look after.
    setImmediate(() => {
      const b = this.broadcast(session.streamName);
      if (b?.publisher !== session) {
        this.refusedSessions.add(session.id);
        this.log.warn('refused publish', { reason: 'duplicate', key: session.streamName });
        this.emit('refused', 'duplicate', session.streamName, session.socket.remoteAddress ?? '');
        return;
      }
      void this.acceptWhenReady(session, b);
    });
  };

  private async acceptWhenReady(session: NmsSession, b: NmsBroadcast): Promise<void> {
    const key = session.streamName;
    const wait = this.opts.headerWaitMs ?? 10_000;
    const start = Date.now();
    while (b.rtmpVideoHeader === null) {
      if (session.socket.destroyed || this.closed) return;
      if (Date.now() - start > wait) return this.refuse(session, 'no_video');
      await sleep(20);
    }
    // Publishers send their audio header next to the video one; give a late one a moment.
    if (b.rtmpAudioHeader === null && b.rtmpMetaData === null) await sleep(300);
    if (session.socket.destroyed || this.closed) return;
    // audioCodec comes from onMetaData and is undefined when the publisher sent no audio id.
    const hasAudio = b.rtmpAudioHeader !== null || Number(session.audioCodec) > 0;
    this.live.set(key, session.id);
    const address = session.socket.remoteAddress ?? '';
    session.socket.once('close', () => {
      if (this.live.get(key) !== session.id) return;
      this.live.delete(key);
      const clean = this.cleanStops.has(session.id);
      this.log.info(clean ? 'publish ended' : 'publisher connection lost', { stream: key });
      this.emit('unpublish', key, session.id, clean);
    });
    this.log.info('publish accepted', { stream: key, client: address, audio: hasAudio });
    this.emit('publish', { key, sessionId: session.id, clientAddress: address, hasAudio, playUrl: this.playUrl(key) });
  }

  private readonly onPostPlay = (session: NmsSession): void => {
    if (!this.ownSessions.has(session.id)) return;
    const address = session.socket.remoteAddress ?? '';
    const token = session.streamQuery['token'];
    // RTMP playback is internal (the decoder); viewers get HLS over HTTP.
    if (!LOOPBACK.has(address) || token !== this.playToken) {
      this.log.warn('refused rtmp play', { key: session.streamName, client: address });
      session.close();
      return;
    }
    if (!this.live.has(session.streamName)) session.close();
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

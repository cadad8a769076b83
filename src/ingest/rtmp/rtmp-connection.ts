/**
 * RtmpConnection is one client socket speaking RTMP to us as a publisher: handshake, connect,
 * createStream, publish, media, unpublish. It decides nothing about keys: a publish request is
 * put to the ingest (PublishGate), and only an accepted publish's media messages, on its own
 * message stream, leave this object. A refusal tells the client why (an onStatus error it can
 * show) and destroys the socket: nothing more it sends is read.
 */
import type { Socket } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { decodeAmf0, type Amf0Object, type Amf0Value } from './amf0.js';
import { ChunkReader, RtmpProtocolError, type RtmpMessage } from './chunk-reader.js';
import { ChunkWriter, MSG } from './chunk-writer.js';
import { ServerHandshake } from './handshake.js';

/** PublishRequest is what a client asked to publish. */
export interface PublishRequest {
  /** The application in the connect URL (rtmp://host/APP/...). */
  readonly app: string;
  /** The stream name without its query (rtmp://host/app/NAME?query). */
  readonly name: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly clientAddress: string;
}

/** PublishRefusalStatus is what a refused client is told. */
export interface PublishRefusalStatus {
  /** NetStream status code, e.g. NetStream.Publish.BadName. */
  readonly code: string;
  readonly description: string;
}

/** MediaSink receives an accepted publish's media: FLV tag bodies by type (8 audio, 9 video, 18 data). */
export interface MediaSink {
  media(type: number, timestamp: number, body: Buffer): void;
}

/** PublishDecision answers a publish request. */
export type PublishDecision =
  { readonly ok: true; readonly sink: MediaSink } | { readonly ok: false; readonly status: PublishRefusalStatus };

/** PublishGate is the ingest's side of a connection. */
export interface PublishGate {
  /** Decide a publish request (may take a while, e.g. a lease in a registry). */
  requestPublish(conn: RtmpConnection, req: PublishRequest): Promise<PublishDecision>;
  /** The accepted publish ended: `clean` when the client said so (deleteStream/FCUnpublish). */
  publishEnded(conn: RtmpConnection, clean: boolean): void;
}

/** RtmpConnectionOptions bound one connection. */
export interface RtmpConnectionOptions {
  /** The client must be publishing within this long of connecting (ms). Default 10 000. */
  readonly setupTimeoutMs?: number;
  /** Media received while a publish is being decided, at most this many bytes. Default 4 MiB. */
  readonly pendingMediaBytes?: number;
}

const OUT_CHUNK_SIZE = 4096;
/** How long a refused client's bytes are still read (and dropped) so it can read why (ms). */
const REFUSE_LINGER_MS = 1_000;

function discard(): void {
  /* a refused client's bytes go nowhere */
}
const WINDOW_ACK_SIZE = 2_500_000;

let nextId = 1;

/** RtmpConnection: see the file comment. */
export class RtmpConnection {
  /** A process-unique id (logs, metrics). */
  readonly id = `c${nextId++}`;
  readonly clientAddress: string;
  private readonly handshake = new ServerHandshake();
  private readonly reader = new ChunkReader();
  private readonly writer = new ChunkWriter();
  private handshakeDone = false;
  private app: string | null = null;
  private streams = 0;
  /** The message stream of the accepted publish, and where its media goes. */
  private publishing: { streamId: number; sink: MediaSink } | null = null;
  /** A publish request being decided: its stream and the media that arrived meanwhile. */
  private deciding: { streamId: number; media: RtmpMessage[]; bytes: number } | null = null;
  private ended = false;
  private closed = false;
  private refused = false;
  private bytesIn = 0;
  private lastAck = 0;
  private peerWindow = 0;
  private readonly setupTimer: NodeJS.Timeout;
  /** What the closing reason was (for logs). */
  closeReason: string | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly gate: PublishGate,
    private readonly opts: RtmpConnectionOptions = {},
  ) {
    this.clientAddress = socket.remoteAddress ?? '';
    this.setupTimer = setTimeout(() => {
      if (!this.publishing) this.destroy('no publish within the setup time');
    }, opts.setupTimeoutMs ?? 10_000);
    this.setupTimer.unref();
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
  }

  /** receivedBytes counts every byte read from the client. */
  get receivedBytes(): number {
    return this.bytesIn;
  }

  /** isClosed says whether the socket has closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** isPublishing says whether a publish was accepted and has not ended. */
  get isPublishing(): boolean {
    return this.publishing !== null && !this.ended;
  }

  /** pause stops reading from the client (TCP backpressure); resume reads again. */
  pause(): void {
    if (!this.closed) this.socket.pause();
  }

  /** resume: see pause. */
  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  /**
   * refuse tells the client why it cannot publish (an onStatus error on its stream, which ffmpeg
   * prints as "Server error: DESCRIPTION" and OBS shows as a failed connection). From that moment
   * nothing the client sends is parsed or delivered: its bytes are read and dropped for at most
   * REFUSE_LINGER_MS, so that its TCP stack does not answer our status with a reset that would
   * discard the status unread, then the socket is destroyed (at once when the client closes first).
   */
  refuse(status: PublishRefusalStatus, streamId = this.publishing?.streamId ?? this.deciding?.streamId ?? 0): void {
    if (this.closed || this.refused) return;
    this.refused = true;
    this.stopReading();
    this.closeReason = status.description;
    this.socket.on('data', discard);
    this.socket.resume();
    this.socket.end(this.writer.onStatus(streamId, 'error', status.code, status.description));
    const timer = setTimeout(() => this.destroy(status.description), REFUSE_LINGER_MS);
    timer.unref();
    this.socket.once('end', () => {
      clearTimeout(timer);
      this.destroy(status.description);
    });
  }

  /** destroy closes the connection now; nothing it sent later is read. Idempotent. */
  destroy(reason: string): void {
    if (this.closed) return;
    this.closeReason ??= reason;
    this.stopReading();
    this.socket.destroy();
  }

  private stopReading(): void {
    this.socket.off('data', this.onData);
    this.socket.pause();
    this.publishing = null;
    this.deciding = null;
  }

  private readonly onClose = (): void => {
    this.closed = true;
    clearTimeout(this.setupTimer);
    this.socket.off('data', this.onData);
    this.endPublish(false);
  };

  private endPublish(clean: boolean): void {
    if (this.ended) return;
    const wasPublishing = this.publishing !== null || this.acceptedOnce;
    this.ended = true;
    this.publishing = null;
    if (wasPublishing) this.gate.publishEnded(this, clean);
  }

  private acceptedOnce = false;

  private readonly onData = (data: Buffer): void => {
    this.bytesIn += data.length;
    try {
      let chunkBytes = data;
      if (!this.handshakeDone) {
        const step = this.handshake.push(data);
        if (step.reply) this.socket.write(step.reply);
        if (!step.done) return;
        this.handshakeDone = true;
        chunkBytes = step.rest;
      }
      if (chunkBytes.length === 0) return;
      for (const msg of this.reader.push(chunkBytes)) {
        this.onMessage(msg);
        if (this.closed || this.socket.destroyed) return;
      }
      this.maybeAck();
    } catch (err) {
      const why = err instanceof RtmpProtocolError || err instanceof RangeError ? err.message : `unreadable data: ${String(err)}`;
      this.destroy(`protocol error: ${why}`);
    }
  };

  private maybeAck(): void {
    if (this.peerWindow > 0 && this.bytesIn - this.lastAck >= this.peerWindow) {
      this.lastAck = this.bytesIn;
      this.socket.write(this.writer.acknowledgement(this.bytesIn));
    }
  }

  private onMessage(msg: RtmpMessage): void {
    switch (msg.type) {
      case MSG.windowAckSize:
        if (msg.payload.length >= 4) this.peerWindow = msg.payload.readUInt32BE(0);
        return;
      case MSG.commandAmf0:
        return this.onCommand(msg, msg.payload);
      case MSG.commandAmf3:
        // AMF3 command messages carry an AMF0 body after a format byte.
        return this.onCommand(msg, msg.payload.subarray(1));
      case MSG.audio:
      case MSG.video:
      case MSG.dataAmf0:
      case MSG.aggregate:
        return this.onMedia(msg);
      case MSG.dataAmf3:
        return this.onMedia({ ...msg, type: MSG.dataAmf0, payload: msg.payload.subarray(1) });
      default:
        return; // acknowledgements, user control (ping), peer bandwidth: nothing to do for a publisher
    }
  }

  private onMedia(msg: RtmpMessage): void {
    if (this.deciding && msg.streamId === this.deciding.streamId) {
      const limit = this.opts.pendingMediaBytes ?? 4 * 1024 * 1024;
      if (this.deciding.bytes + msg.payload.length > limit) {
        this.destroy('too much media before the publish was accepted');
        return;
      }
      this.deciding.media.push(msg);
      this.deciding.bytes += msg.payload.length;
      return;
    }
    const p = this.publishing;
    // Media of a stream that is not the accepted publish goes nowhere.
    if (!p || this.ended || msg.streamId !== p.streamId) return;
    p.sink.media(msg.type, msg.timestamp, msg.payload);
  }

  private onCommand(msg: RtmpMessage, body: Buffer): void {
    const values = decodeAmf0(body);
    const [name, txn] = values;
    if (typeof name !== 'string') throw new RtmpProtocolError('a command without a name');
    const transactionId = typeof txn === 'number' ? txn : 0;
    switch (name) {
      case 'connect':
        return this.onConnect(transactionId, values[2]);
      case 'createStream':
        return this.onCreateStream(transactionId);
      case 'publish':
        return void this.onPublish(msg.streamId, values[3]);
      case 'play':
      case 'play2':
        this.refuse(
          { code: 'NetStream.Play.Failed', description: 'RTMP playback is not offered: watch over HLS (/hls/KEY/master.m3u8)' },
          msg.streamId,
        );
        return;
      case 'FCUnpublish':
      case 'deleteStream':
      case 'closeStream':
        if (this.publishing || this.acceptedOnce) {
          const sid = this.publishing?.streamId ?? msg.streamId;
          this.socket.write(this.writer.onStatus(sid, 'status', 'NetStream.Unpublish.Success', 'Stopped publishing.'));
          this.endPublish(true);
        }
        return;
      default:
        // releaseStream, FCPublish, getStreamLength, _checkbw...: nothing a publisher waits for.
        return;
    }
  }

  private onConnect(transactionId: number, cmdObj: Amf0Value): void {
    if (this.app !== null) throw new RtmpProtocolError('connect sent twice');
    const obj = (cmdObj && typeof cmdObj === 'object' && !Array.isArray(cmdObj) ? cmdObj : {}) as Amf0Object;
    const app = typeof obj['app'] === 'string' ? obj['app'].replace(/\/+$/, '') : '';
    this.app = app;
    const encoding = typeof obj['objectEncoding'] === 'number' ? obj['objectEncoding'] : 0;
    this.socket.write(
      Buffer.concat([
        this.writer.windowAckSize(WINDOW_ACK_SIZE),
        this.writer.setPeerBandwidth(WINDOW_ACK_SIZE, 2),
        this.writer.setChunkSize(OUT_CHUNK_SIZE),
        this.writer.command(
          0,
          '_result',
          transactionId,
          { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 },
          {
            level: 'status',
            code: 'NetConnection.Connect.Success',
            description: 'Connection succeeded.',
            objectEncoding: encoding,
          },
        ),
      ]),
    );
  }

  private onCreateStream(transactionId: number): void {
    if (this.app === null) throw new RtmpProtocolError('createStream before connect');
    if (this.streams >= 8) throw new RtmpProtocolError('too many streams on one connection');
    this.streams++;
    this.socket.write(this.writer.command(0, '_result', transactionId, null, this.streams));
  }

  private async onPublish(streamId: number, nameValue: Amf0Value): Promise<void> {
    if (this.app === null) throw new RtmpProtocolError('publish before connect');
    if (this.publishing || this.deciding || this.acceptedOnce) {
      this.refuse({ code: 'NetStream.Publish.BadName', description: 'one publish per connection' }, streamId);
      return;
    }
    const full = typeof nameValue === 'string' ? nameValue : '';
    const q = full.indexOf('?');
    const name = q < 0 ? full : full.slice(0, q);
    const query = q < 0 ? {} : parseQuery(full.slice(q + 1));
    this.deciding = { streamId, media: [], bytes: 0 };
    let decision: PublishDecision;
    try {
      decision = await this.gate.requestPublish(this, { app: this.app, name, query, clientAddress: this.clientAddress });
    } catch (err) {
      decision = { ok: false, status: { code: 'NetStream.Publish.Failed', description: `publish could not be decided: ${String(err)}` } };
    }
    const pending = this.deciding;
    this.deciding = null;
    if (this.closed || !pending) return;
    if (!decision.ok) {
      this.refuse(decision.status, streamId);
      return;
    }
    this.publishing = { streamId, sink: decision.sink };
    this.acceptedOnce = true;
    clearTimeout(this.setupTimer);
    this.socket.write(
      Buffer.concat([
        this.writer.streamBegin(streamId),
        this.writer.onStatus(streamId, 'status', 'NetStream.Publish.Start', `${name} is now published.`),
      ]),
    );
    for (const m of pending.media) this.onMedia(m);
  }
}

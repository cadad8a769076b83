import net from 'node:net';
import { decodeAmf0, type Amf0Value } from '../../src/ingest/rtmp/amf0.js';
import { ChunkReader } from '../../src/ingest/rtmp/chunk-reader.js';
import { ChunkWriter, MSG } from '../../src/ingest/rtmp/chunk-writer.js';

/** A status or result the server sent, decoded. */
export interface ServerCommand {
  readonly name: string;
  readonly args: Amf0Value[];
}

/**
 * RtmpTestClient is a scripted RTMP publisher for tests: it speaks just enough RTMP to publish
 * and, unlike ffmpeg, keeps sending whatever it is told to after the server refused it.
 */
export class RtmpTestClient {
  readonly commands: ServerCommand[] = [];
  private readonly reader = new ChunkReader();
  private readonly writer = new ChunkWriter();
  private handshakeBytes = 0;
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('error', () => {
      /* the server may reset us */
    });
    this.closed = new Promise((r) =>
      socket.once('close', () => {
        this.closedFlag = true;
        r();
      }),
    );
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  /** connect opens a socket and completes the (simple) handshake. */
  static async connect(port: number): Promise<RtmpTestClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r, j) => socket.once('connect', r).once('error', j));
    const c = new RtmpTestClient(socket);
    socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
    await c.until(() => c.handshakeBytes >= 1 + 2 * 1536);
    socket.write(Buffer.alloc(1536)); // C2
    return c;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** publish sends connect, createStream and publish(NAME), and waits for the publish status. */
  async publish(name: string, app = 'live'): Promise<ServerCommand> {
    this.send(this.writer.command(0, 'connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}`, type: 'nonprivate' }));
    this.send(this.writer.command(0, 'createStream', 2, null));
    this.send(this.writer.command(1, 'publish', 3, null, name, 'live'));
    await this.until(() => this.status() !== undefined || this.closedFlag, 5_000);
    const s = this.status();
    if (!s) throw new Error('no publish status (connection closed)');
    return s;
  }

  /** status is the last onStatus the server sent. */
  status(): ServerCommand | undefined {
    return this.commands.filter((c) => c.name === 'onStatus').pop();
  }

  /** statusCode is the last onStatus's code. */
  statusCode(): string | undefined {
    const info = this.status()?.args[1];
    return info && typeof info === 'object' && !Array.isArray(info) ? (info['code'] as string | undefined) : undefined;
  }

  /** media sends one audio/video/data message on message stream `streamId` (default 1). */
  media(type: number, timestamp: number, body: Buffer, streamId = 1): void {
    const csid = type === MSG.audio ? 4 : type === MSG.video ? 6 : 5;
    this.send(this.writer.message(csid, type, streamId, body, timestamp));
  }

  /** deleteStream ends the publish cleanly. */
  unpublish(): void {
    this.send(this.writer.command(0, 'deleteStream', 4, null, 1));
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  async until(cond: () => boolean, ms = 5_000): Promise<void> {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private onData(d: Buffer): void {
    let data = d;
    if (this.handshakeBytes < 1 + 2 * 1536) {
      const need = 1 + 2 * 1536 - this.handshakeBytes;
      this.handshakeBytes += Math.min(need, d.length);
      data = d.subarray(need);
      if (data.length === 0) return;
    }
    for (const m of this.reader.push(data)) {
      if (m.type === MSG.commandAmf0) {
        const [name, , ...args] = decodeAmf0(m.payload);
        this.commands.push({ name: String(name), args });
      }
    }
  }
}

/** avcSequenceHeader is a minimal AVC decoder configuration tag body (not decodable, enough for the ingest). */
export function avcSequenceHeader(): Buffer {
  return Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0, 0]);
}

/** avcPicture is a video tag body marked keyframe or inter frame, with `fill` as its payload. */
export function avcPicture(key: boolean, fill: number, size = 64): Buffer {
  return Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 0x01, 0, 0, 0]), Buffer.alloc(size, fill)]);
}

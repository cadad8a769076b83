/**
 * RTMP chunk stream reader: reassembles messages from interleaved chunks. It reads untrusted
 * bytes, so every resource is bounded: chunk streams in use, bytes held in unfinished messages,
 * the chunk size a peer may set. A violation throws RtmpProtocolError; the connection closes.
 */

/** RtmpMessage is one reassembled message. */
export interface RtmpMessage {
  readonly type: number;
  readonly streamId: number;
  /** Milliseconds, 32-bit wrapping as the protocol defines. */
  readonly timestamp: number;
  readonly payload: Buffer;
}

/** RtmpProtocolError: the peer broke the protocol or our bounds; the connection must close. */
export class RtmpProtocolError extends Error {
  override readonly name = 'RtmpProtocolError';
}

/** Protocol control message types the reader acts on itself. */
export const MSG_SET_CHUNK_SIZE = 1;
export const MSG_ABORT = 2;

/** ChunkReaderLimits bound what one peer can make us hold. */
export interface ChunkReaderLimits {
  /** Distinct chunk stream ids in use at once (publishers use 3-6). Default 32. */
  readonly maxChunkStreams?: number;
  /** Bytes held across all unfinished messages. Default 32 MiB. */
  readonly maxPendingBytes?: number;
  /** Largest chunk size a peer may set. Default 16 MiB (larger than any message). */
  readonly maxChunkSize?: number;
}

interface ChunkStreamState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  /** The last header of this chunk stream carried an extended timestamp (fmt 3 chunks repeat it). */
  extended: boolean;
  /** Payload received of the message in progress; null between messages. */
  parts: Buffer[] | null;
  received: number;
}

const HEADER_SIZE = [11, 7, 3, 0] as const;

/** ChunkReader turns received bytes into RTMP messages. */
export class ChunkReader {
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStreamState>();
  private pendingBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** The chunk whose payload is being read: its stream state and bytes still to come in this chunk. */
  private inPayload: { state: ChunkStreamState; left: number } | null = null;
  private readonly maxStreams: number;
  private readonly maxPending: number;
  private readonly maxChunk: number;

  constructor(limits: ChunkReaderLimits = {}) {
    this.maxStreams = limits.maxChunkStreams ?? 32;
    this.maxPending = limits.maxPendingBytes ?? 32 * 1024 * 1024;
    this.maxChunk = limits.maxChunkSize ?? 16 * 1024 * 1024;
  }

  /** inChunkSize is the chunk size the peer is sending with. */
  get inChunkSize(): number {
    return this.chunkSize;
  }

  /** push parses `data` and returns the messages it completed, in order. */
  push(data: Buffer): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    const buf = this.tail.length ? Buffer.concat([this.tail, data]) : data;
    this.tail = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length) {
      if (this.inPayload) {
        const { state } = this.inPayload;
        const n = Math.min(this.inPayload.left, buf.length - pos);
        // Copy: the socket's buffer is reused by nobody, but a message must not pin a 64 KiB read.
        (state.parts as Buffer[]).push(Buffer.from(buf.subarray(pos, pos + n)));
        state.received += n;
        this.pendingBytes += n;
        this.inPayload.left -= n;
        pos += n;
        if (this.inPayload.left > 0) break;
        this.inPayload = null;
        if (state.received === state.length) this.finish(state, out);
        continue;
      }
      const consumed = this.readHeader(buf, pos, out);
      if (consumed === 0) {
        this.tail = Buffer.from(buf.subarray(pos));
        break;
      }
      pos += consumed;
      if (this.inPayload === null) continue; // a zero-length message completed in readHeader
    }
    return out;
  }

  /** readHeader parses one chunk header at `pos`; returns bytes consumed, or 0 if it is not all there yet. */
  private readHeader(buf: Buffer, pos: number, out: RtmpMessage[]): number {
    const start = pos;
    const avail = buf.length - pos;
    const b0 = buf[pos] as number;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let basic = 1;
    if (csid === 0) basic = 2;
    else if (csid === 1) basic = 3;
    if (avail < basic) return 0;
    if (basic === 2) csid = 64 + (buf[pos + 1] as number);
    else if (basic === 3) csid = 64 + (buf[pos + 1] as number) + (buf[pos + 2] as number) * 256;
    pos += basic;
    const hsize = HEADER_SIZE[fmt as 0 | 1 | 2 | 3];
    if (buf.length - pos < hsize) return 0;
    let state = this.streams.get(csid);
    if (!state) {
      if (fmt !== 0) throw new RtmpProtocolError(`chunk stream ${csid} starts with a type-${fmt} header (needs type 0)`);
      if (this.streams.size >= this.maxStreams) throw new RtmpProtocolError(`more than ${this.maxStreams} chunk streams`);
      state = { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, parts: null, received: 0 };
    }
    const newMessage = state.parts === null;
    let tsField = 0;
    let length = state.length;
    let type = state.type;
    let streamId = state.streamId;
    if (fmt <= 2) tsField = buf.readUIntBE(pos, 3);
    if (fmt <= 1) {
      length = buf.readUIntBE(pos + 3, 3);
      type = buf[pos + 6] as number;
    }
    if (fmt === 0) streamId = buf.readUInt32LE(pos + 7);
    pos += hsize;
    const extended = fmt <= 2 ? tsField === 0xffffff : state.extended;
    if (extended) {
      if (buf.length - pos < 4) return 0;
      tsField = buf.readUInt32BE(pos);
      pos += 4;
    }
    // Only now, with the whole header read, may state change (a partial header is re-read later).
    if (!newMessage && fmt !== 3)
      throw new RtmpProtocolError(`chunk stream ${csid}: a new header (type ${fmt}) inside an unfinished message`);
    this.streams.set(csid, state);
    state.extended = extended;
    if (newMessage) {
      if (fmt === 0) {
        state.timestamp = tsField;
        state.delta = 0;
      } else if (fmt === 1 || fmt === 2) {
        state.delta = tsField;
        state.timestamp = (state.timestamp + tsField) >>> 0;
      } else {
        state.timestamp = (state.timestamp + state.delta) >>> 0;
      }
      state.length = length;
      state.type = type;
      state.streamId = streamId;
      state.parts = [];
      state.received = 0;
      if (length === 0) {
        this.finish(state, out);
        return pos - start;
      }
    }
    if (this.pendingBytes + Math.min(this.chunkSize, state.length - state.received) > this.maxPending) {
      throw new RtmpProtocolError(`more than ${this.maxPending} bytes in unfinished messages`);
    }
    this.inPayload = { state, left: Math.min(this.chunkSize, state.length - state.received) };
    return pos - start;
  }

  private finish(state: ChunkStreamState, out: RtmpMessage[]): void {
    const parts = state.parts ?? [];
    const payload = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, state.received);
    this.pendingBytes -= state.received;
    state.parts = null;
    state.received = 0;
    const msg: RtmpMessage = { type: state.type, streamId: state.streamId, timestamp: state.timestamp, payload };
    if (msg.type === MSG_SET_CHUNK_SIZE || msg.type === MSG_ABORT) this.onControl(msg);
    out.push(msg);
  }

  /** onControl applies Set Chunk Size and Abort, which change how the following chunks parse. */
  private onControl(msg: RtmpMessage): void {
    if (msg.type === MSG_SET_CHUNK_SIZE) {
      if (msg.payload.length < 4) throw new RtmpProtocolError('Set Chunk Size without a size');
      const size = msg.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1 || size > this.maxChunk) throw new RtmpProtocolError(`chunk size ${size} outside 1..${this.maxChunk}`);
      this.chunkSize = size;
    } else if (msg.type === MSG_ABORT) {
      if (msg.payload.length < 4) throw new RtmpProtocolError('Abort without a chunk stream id');
      const target = this.streams.get(msg.payload.readUInt32BE(0));
      if (target?.parts) {
        this.pendingBytes -= target.received;
        target.parts = null;
        target.received = 0;
      }
    }
  }
}

/**
 * RTMP chunk stream writer and the server's outgoing messages (protocol control, user control,
 * AMF0 commands). Only small messages go this way: the ingest sends no media.
 */
import { encodeAmf0, type Amf0Value } from './amf0.js';

/** Message type ids (RTMP 1.0 spec, section 5.4 and 7.1). */
export const MSG = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  commandAmf3: 17,
  dataAmf0: 18,
  commandAmf0: 20,
  aggregate: 22,
} as const;

/** Chunk stream ids we send on: 2 for protocol control, 3 for commands. */
const CSID_CONTROL = 2;
const CSID_COMMAND = 3;

/** ChunkWriter serialises messages into chunks of the size it announced. */
export class ChunkWriter {
  private chunkSize = 128;

  /** setChunkSize returns the Set Chunk Size message and applies the size to what follows. */
  setChunkSize(size: number): Buffer {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(size);
    const msg = this.message(CSID_CONTROL, MSG.setChunkSize, 0, payload);
    this.chunkSize = size;
    return msg;
  }

  /** windowAckSize tells the peer how often to acknowledge what we send. */
  windowAckSize(size: number): Buffer {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(size);
    return this.message(CSID_CONTROL, MSG.windowAckSize, 0, payload);
  }

  /** setPeerBandwidth limits the peer's output (type 2: dynamic). */
  setPeerBandwidth(size: number, limitType: 0 | 1 | 2): Buffer {
    const payload = Buffer.alloc(5);
    payload.writeUInt32BE(size);
    payload[4] = limitType;
    return this.message(CSID_CONTROL, MSG.setPeerBandwidth, 0, payload);
  }

  /** acknowledgement reports the bytes received so far (sequence number, wrapping at 2^32). */
  acknowledgement(bytesReceived: number): Buffer {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(bytesReceived >>> 0);
    return this.message(CSID_CONTROL, MSG.acknowledgement, 0, payload);
  }

  /** streamBegin is the User Control event that a message stream is ready. */
  streamBegin(streamId: number): Buffer {
    const payload = Buffer.alloc(6);
    payload.writeUInt16BE(0); // event type 0: Stream Begin
    payload.writeUInt32BE(streamId, 2);
    return this.message(CSID_CONTROL, MSG.userControl, 0, payload);
  }

  /** command encodes an AMF0 command on the given message stream. */
  command(streamId: number, name: string, transactionId: number, ...args: Amf0Value[]): Buffer {
    return this.message(CSID_COMMAND, MSG.commandAmf0, streamId, encodeAmf0(name, transactionId, ...args));
  }

  /** onStatus builds a NetStream status event a client shows to its user (OBS, ffmpeg print the code). */
  onStatus(streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string): Buffer {
    return this.command(streamId, 'onStatus', 0, null, { level, code, description });
  }

  /** message splits one message into chunks: a type-0 header, then type-3 continuation headers. */
  message(csid: number, type: number, streamId: number, payload: Buffer, timestamp = 0): Buffer {
    const extended = timestamp >= 0xffffff;
    const header = Buffer.alloc(12 + (extended ? 4 : 0));
    header[0] = csid; // fmt 0, one-byte basic header (csid < 64)
    header.writeUIntBE(extended ? 0xffffff : timestamp, 1, 3);
    header.writeUIntBE(payload.length, 4, 3);
    header[7] = type;
    header.writeUInt32LE(streamId, 8);
    if (extended) header.writeUInt32BE(timestamp, 12);
    const parts: Buffer[] = [header];
    for (let off = 0; off < payload.length; off += this.chunkSize) {
      if (off > 0) {
        parts.push(Buffer.from([0xc0 | csid]));
        if (extended) {
          const ts = Buffer.alloc(4);
          ts.writeUInt32BE(timestamp);
          parts.push(ts);
        }
      }
      parts.push(payload.subarray(off, Math.min(payload.length, off + this.chunkSize)));
    }
    return Buffer.concat(parts);
  }
}

/**
 * ISO BMFF (MP4) box reading for the fragmented MP4 ffmpeg writes on a pipe: a streaming splitter
 * for top-level boxes, and a child iterator. Only what the LL-HLS packager needs; anything it does
 * not understand is an error with a code, never a guess.
 */
import { UprezError } from '../errors.js';

/** Box is one ISO BMFF box: its four-character type and its bytes (header included). */
export interface Box {
  readonly type: string;
  /** The whole box, header included. */
  readonly bytes: Buffer;
  /** Offset of the payload (after the 8- or 16-byte header) within `bytes`. */
  readonly headerSize: number;
}

/** Largest top-level box accepted from ffmpeg (a 1440p keyframe fragment is well under 8 MB). */
export const MAX_BOX_BYTES = 64 * 1024 * 1024;

/** boxError builds the error every malformed-input path throws. */
export function boxError(message: string): UprezError {
  return new UprezError('HLS_BAD_FMP4', `fragmented MP4 from the encoder is malformed: ${message}`);
}

/**
 * readBox reads the box starting at `offset` in `buf` (which must hold it whole), or returns null
 * when `buf` holds less than its header or its size. Throws on sizes that cannot be right.
 */
export function boxAt(buf: Buffer, offset: number, end = buf.length): { type: string; size: number; headerSize: number } | null {
  if (end - offset < 8) return null;
  let size = buf.readUInt32BE(offset);
  const type = buf.toString('latin1', offset + 4, offset + 8);
  let headerSize = 8;
  if (size === 1) {
    if (end - offset < 16) return null;
    const big = buf.readBigUInt64BE(offset + 8);
    if (big > BigInt(MAX_BOX_BYTES)) throw boxError(`box ${type} of ${big} bytes is larger than ${MAX_BOX_BYTES}`);
    size = Number(big);
    headerSize = 16;
  } else if (size === 0) {
    // "extends to the end of the file": never used by a fragmenting muxer on a pipe.
    throw boxError(`box ${type} has size 0 (to end of file), which a stream cannot have`);
  }
  if (size < headerSize) throw boxError(`box ${type} claims ${size} bytes, less than its header`);
  if (size > MAX_BOX_BYTES) throw boxError(`box ${type} of ${size} bytes is larger than ${MAX_BOX_BYTES}`);
  return { type, size, headerSize };
}

/** childBoxes lists the boxes inside `parent` from payload offset `from` (default: right after the header). */
export function childBoxes(parent: Box, from = parent.headerSize): Box[] {
  const out: Box[] = [];
  let off = from;
  const buf = parent.bytes;
  while (off < buf.length) {
    const b = boxAt(buf, off);
    if (!b || off + b.size > buf.length) throw boxError(`box ${parent.type} has a truncated child at ${off}`);
    out.push({ type: b.type, bytes: buf.subarray(off, off + b.size), headerSize: b.headerSize });
    off += b.size;
  }
  return out;
}

/** child finds the first child of `parent` of `type`, or null. */
export function child(parent: Box, type: string, from?: number): Box | null {
  return childBoxes(parent, from).find((b) => b.type === type) ?? null;
}

/** need is child() that throws when the box is missing. */
export function need(parent: Box, type: string, from?: number): Box {
  const b = child(parent, type, from);
  if (!b) throw boxError(`${parent.type} has no ${type}`);
  return b;
}

/** payload is the box's bytes after its header. */
export function payload(b: Box): Buffer {
  return b.bytes.subarray(b.headerSize);
}

/**
 * BoxSplitter cuts a byte stream into whole top-level boxes. Push chunks as they come; each call
 * returns the boxes completed by it. Memory is bounded by the largest box (MAX_BOX_BYTES).
 */
export class BoxSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** push adds bytes and returns every top-level box they completed, in order. */
  push(chunk: Buffer): Box[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Box[] = [];
    for (;;) {
      if (this.buffered < 8) break;
      const head = this.peek(16);
      const b = boxAt(head, 0);
      if (!b || this.buffered < b.size) break;
      const bytes = this.take(b.size);
      out.push({ type: b.type, bytes, headerSize: b.headerSize });
    }
    return out;
  }

  /** pending is the number of bytes of an incomplete box held (0 at a clean end of stream). */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n || this.chunks.length === 1) return first.subarray(0, Math.min(n, first.length));
    const head: Buffer[] = [];
    let have = 0;
    for (const c of this.chunks) {
      if (have >= n) break;
      head.push(c);
      have += c.length;
    }
    return Buffer.concat(head).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const box = Buffer.from(all.subarray(0, n)); // a copy: the rest of the chunk must not pin it
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return box;
  }
}

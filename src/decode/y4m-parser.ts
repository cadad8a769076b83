import { UprezError } from '../errors.js';
import { frameGeometry } from '../media/frame.js';
import type { VideoInfo } from './video-info.js';

/** Y4mHeader is a parsed YUV4MPEG2 stream header (only 8-bit 4:2:0 streams are accepted). */
export interface Y4mHeader extends VideoInfo {
  /** Chroma siting of the 4:2:0 data ('420' is the spec's plain 4:2:0, same layout). */
  colorspace: '420' | '420jpeg' | '420mpeg2' | '420paldv';
  /** p progressive, t top field first, b bottom field first, m mixed, ? unknown. */
  interlace: 'p' | 't' | 'b' | 'm' | '?';
  /** Pixel aspect ratio, null when absent or 0:0 (unknown). */
  aspect: { num: number; den: number } | null;
  /** X… extension parameters, verbatim without the X (e.g. "YSCSS=420MPEG2"). */
  extensions: string[];
  /** Bytes of one frame's Y+U+V data. */
  frameSize: number;
}

/** Y4mLeftover describes bytes left unparsed when the stream ended mid-header or mid-frame. */
export interface Y4mLeftover {
  bytes: number;
  where: 'stream-header' | 'frame-header' | 'frame-data';
}

const MAGIC = 'YUV4MPEG2';
const MAX_STREAM_HEADER = 1024;
const MAX_FRAME_HEADER = 256;
const NL = 0x0a;

/**
 * Y4mParser turns a yuv4mpegpipe byte stream (as ffmpeg writes with `-f yuv4mpegpipe`) into whole
 * yuv420p frames. Pure: no I/O, chunks in, frames out.
 *
 * Copy count: every frame byte is copied exactly once, from the incoming chunk(s) into a fresh
 * buffer of exactly one frame, also when the frame lies wholly inside one chunk. The receiver may
 * keep the frame as long as it likes; it never aliases a pipe chunk (a subarray would pin, and
 * share, the 64 KiB chunk it came from).
 */
export class Y4mParser {
  private state: 'stream-header' | 'frame-header' | 'frame-data' = 'stream-header';
  private text: number[] = [];
  private frame: Uint8Array | null = null;
  private filled = 0;
  private parsed: Y4mHeader | null = null;
  private failure: UprezError | null = null;

  /** header is the stream header once it has been read (null before). */
  get header(): Y4mHeader | null {
    return this.parsed;
  }

  /** push consumes a chunk and returns the frames it completed (possibly none). Throws UprezError on a bad stream. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure) throw this.failure;
    try {
      return this.consume(chunk);
    } catch (err) {
      if (err instanceof UprezError) this.failure = err;
      throw err;
    }
  }

  /** end reports what was left over when the stream ended (null when it ended between frames). */
  end(): Y4mLeftover | null {
    // A FRAME marker with no data yet is still a truncated frame, hence frame-data with 0 bytes.
    if (this.state === 'frame-data') return { bytes: this.filled, where: 'frame-data' };
    return this.text.length > 0 ? { bytes: this.text.length, where: this.state } : null;
  }

  private consume(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'frame-data') {
        const frame = this.frame as Uint8Array;
        const n = Math.min(frame.length - this.filled, chunk.length - i);
        frame.set(chunk.subarray(i, i + n), this.filled);
        this.filled += n;
        i += n;
        if (this.filled === frame.length) {
          frames.push(frame);
          this.frame = null;
          this.filled = 0;
          this.state = 'frame-header';
        }
        continue;
      }
      const nl = chunk.indexOf(NL, i);
      const end = nl === -1 ? chunk.length : nl;
      const limit = this.state === 'stream-header' ? MAX_STREAM_HEADER : MAX_FRAME_HEADER;
      if (this.text.length + (end - i) > limit) {
        throw invalid(`y4m ${this.state} longer than ${limit} bytes: not a yuv4mpegpipe stream or a corrupt one`);
      }
      for (let k = i; k < end; k++) this.text.push(chunk[k] as number);
      if (nl === -1) break;
      i = nl + 1;
      const line = String.fromCharCode(...this.text);
      this.text = [];
      if (this.state === 'stream-header') {
        this.parsed = parseY4mHeader(line);
        this.state = 'frame-header';
      } else {
        if (line !== 'FRAME' && !line.startsWith('FRAME '))
          throw invalid(`expected a y4m FRAME marker, got ${JSON.stringify(line.slice(0, 40))}`);
        // allocUnsafeSlow: an unpooled buffer of exactly one frame, not zero-filled (every byte is written next).
        const buf = Buffer.allocUnsafeSlow((this.parsed as Y4mHeader).frameSize);
        this.frame = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
        this.filled = 0;
        this.state = 'frame-data';
      }
    }
    return frames;
  }
}

/** parseY4mHeader parses a stream header line (without its newline). Throws UprezError when invalid or not 8-bit 4:2:0. */
export function parseY4mHeader(line: string): Y4mHeader {
  const [magic, ...params] = line.split(' ').filter(Boolean);
  if (magic !== MAGIC)
    throw invalid(`not a y4m stream: header starts with ${JSON.stringify((magic ?? '').slice(0, 20))}, expected ${MAGIC}`);
  let width = 0;
  let height = 0;
  let rate: { num: number; den: number } | null = null;
  let colorspace: Y4mHeader['colorspace'] = '420jpeg'; // the spec's default when C is absent
  let interlace: Y4mHeader['interlace'] = '?';
  let aspect: Y4mHeader['aspect'] = null;
  const extensions: string[] = [];
  for (const p of params) {
    const v = p.slice(1);
    switch (p[0]) {
      case 'W':
        width = positiveInt(v, 'width (W)');
        break;
      case 'H':
        height = positiveInt(v, 'height (H)');
        break;
      case 'F':
        rate = ratio(v, 'frame rate (F)');
        if (rate.num === 0 || rate.den === 0) throw invalid(`y4m frame rate F${v} is not a rate`);
        break;
      case 'A': {
        const a = ratio(v, 'pixel aspect (A)');
        aspect = a.num === 0 || a.den === 0 ? null : a;
        break;
      }
      case 'I':
        if (!['p', 't', 'b', 'm', '?'].includes(v)) throw invalid(`y4m interlace I${v} is not one of p t b m ?`);
        interlace = v as Y4mHeader['interlace'];
        break;
      case 'C':
        if (v !== '420' && v !== '420jpeg' && v !== '420mpeg2' && v !== '420paldv') {
          throw new UprezError(
            'Y4M_UNSUPPORTED',
            `y4m colorspace C${v} is not supported: uprez needs 8-bit 4:2:0 (yuv420p); have ffmpeg convert with -pix_fmt yuv420p`,
          );
        }
        colorspace = v;
        break;
      case 'X':
        extensions.push(v);
        break;
      default:
        // Unknown parameters are allowed by the format; ignore them.
        break;
    }
  }
  if (!width || !height) throw invalid('y4m header lacks the frame size (W and H)');
  if (!rate) throw invalid('y4m header lacks the frame rate (F)');
  const frameSize = frameGeometry(width, height).frameSize;
  return { width, height, fpsNum: rate.num, fpsDen: rate.den, colorspace, interlace, aspect, extensions, frameSize };
}

function positiveInt(v: string, what: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw invalid(`y4m ${what} ${JSON.stringify(v)} is not a positive integer`);
  return Number(v);
}

function ratio(v: string, what: string): { num: number; den: number } {
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw invalid(`y4m ${what} ${JSON.stringify(v)} is not N:D`);
  return { num: Number(m[1]), den: Number(m[2]) };
}

function invalid(message: string): UprezError {
  return new UprezError('Y4M_INVALID', message);
}

/**
 * Frames of 8-bit luma, read by index: from a raw file that ffmpeg wrote (one width x height plane
 * per frame, nothing between), or from memory in tests. The scorer reads both sides through this.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UprezError } from '../errors.js';

/** LumaFrames gives frame `i` (0 <= i < count) as a width x height plane. */
export interface LumaFrames {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  /** frame returns a plane the caller may keep (not reused by later calls). */
  frame(i: number): Uint8Array;
}

/** lumaArray wraps planes held in memory (tests, small clips). */
export function lumaArray(width: number, height: number, planes: readonly Uint8Array[]): LumaFrames {
  for (const p of planes)
    if (p.length !== width * height) throw new RangeError(`a plane has ${p.length} samples, ${width}x${height} needs ${width * height}`);
  return {
    width,
    height,
    count: planes.length,
    frame: (i) => {
      const p = planes[i];
      if (!p) throw new RangeError(`frame ${i} of ${planes.length}`);
      return p;
    },
  };
}

/** LumaFile reads a raw luma file by frame index; close() releases the descriptor. */
export class LumaFile implements LumaFrames {
  readonly count: number;
  private fd: number | null;

  /** Opens `file`; throws BENCH_LUMA_SIZE when its size is not a whole number of frames. */
  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
  ) {
    this.fd = openSync(file, 'r');
    const size = fstatSync(this.fd).size;
    const frame = width * height;
    if (frame <= 0 || size % frame !== 0) {
      closeSync(this.fd);
      this.fd = null;
      throw new UprezError('BENCH_OUTPUT_INVALID', `${file}: ${size} bytes is not a whole number of ${width}x${height} frames`);
    }
    this.count = size / frame;
  }

  /** frame reads frame `i` into a new plane. */
  frame(i: number): Uint8Array {
    if (this.fd === null) throw new UprezError('BENCH_OUTPUT_INVALID', `${this.file} is closed`);
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`frame ${i} of ${this.count}`);
    const n = this.width * this.height;
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, out, got, n - got, i * n + got);
      if (r === 0) throw new UprezError('BENCH_OUTPUT_INVALID', `${this.file}: frame ${i} ends early`);
      got += r;
    }
    return out;
  }

  /** close releases the file (idempotent). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

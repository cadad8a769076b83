import type { Planes3 } from './rgb-image.js';

/** Yuv420pFrame is one yuv420p picture with even sides: Y, then Cb and Cr at half size, in one buffer. */
export interface Yuv420pFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** padPlaneEdge grows a plane to dw x dh by repeating its last column and row (so odd sizes can be encoded). */
export function padPlaneEdge(src: Uint8Array, w: number, h: number, dw: number, dh: number): Uint8Array {
  if (dw < w || dh < h) throw new RangeError(`cannot pad ${w}x${h} to ${dw}x${dh}`);
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(y, h - 1);
    out.set(src.subarray(sy * w, sy * w + w), y * dw);
    out.fill(src[sy * w + w - 1] as number, y * dw + w, y * dw + dw);
  }
  return out;
}

/** cropPlane cuts the top-left w x h part out of a plane of width sw. */
export function cropPlane(src: Uint8Array, sw: number, w: number, h: number): Uint8Array {
  if (w > sw || src.length < sw * h) throw new RangeError(`cannot crop ${w}x${h} from a plane ${sw} wide with ${src.length} samples`);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(src.subarray(y * sw, y * sw + w), y * w);
  return out;
}

/**
 * packYuv420p turns full-resolution Y, Cb, Cr planes into a yuv420p frame: sides padded to even by
 * edge repetition, chroma averaged over 2x2 blocks (centre siting, what swscale's area filter does).
 */
export function packYuv420p(p: Planes3): Yuv420pFrame {
  const w = p.width + (p.width % 2);
  const h = p.height + (p.height % 2);
  const cw = w / 2;
  const ch = h / 2;
  const data = new Uint8Array(w * h + 2 * cw * ch);
  data.set(padPlaneEdge(p.planes[0], p.width, p.height, w, h), 0);
  for (let c = 1; c <= 2; c++) {
    const full = padPlaneEdge(p.planes[c as 1 | 2], p.width, p.height, w, h);
    const base = w * h + (c - 1) * cw * ch;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const i = 2 * y * w + 2 * x;
        const sum = (full[i] as number) + (full[i + 1] as number) + (full[i + w] as number) + (full[i + w + 1] as number);
        data[base + y * cw + x] = (sum + 2) >> 2;
      }
    }
  }
  return { width: w, height: h, data };
}

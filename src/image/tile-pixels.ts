import { bleedUnderTransparency } from './alpha-bleed.js';

/**
 * Tile pixels to planes and back. A picture is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)
 * bands of 8 or 16 bits, interleaved as libvips stores it. The model sees 8-bit full-range
 * BT.601 (JFIF) luma, as today; chroma and alpha stay floats until the end. For 16-bit pictures the
 * part of luma below the model's 8 bits (Y - 257·round(Y/257)) is kept as its own plane, upscaled
 * bicubically and added back, so a smooth 16-bit gradient is still smooth (no 8-bit banding).
 */

/** PixelLayout: how many bands (the last of 2 or 4 is alpha) and bits per sample. */
export interface PixelLayout {
  readonly bands: 1 | 2 | 3 | 4;
  readonly depth: 8 | 16;
}

/** TilePlanes is one tile split for upscaling. */
export interface TilePlanes {
  readonly width: number;
  readonly height: number;
  /** What the model upscales: 8-bit luma. */
  readonly y8: Uint8Array;
  /** 16-bit pictures: luma minus 257·y8, in 16-bit units; else null. */
  readonly yRest: Float32Array | null;
  /** Colour pictures: Cb and Cr centred on 0, in the picture's units; grey: null. */
  readonly cb: Float32Array | null;
  readonly cr: Float32Array | null;
  /** Pictures with alpha: alpha in the picture's units; else null. */
  readonly alpha: Float32Array | null;
}

/** hasAlpha says whether a layout carries alpha. */
export const hasAlpha = (l: PixelLayout): boolean => l.bands === 2 || l.bands === 4;

/** bytesPerPixel is the stored size of one pixel. */
export const bytesPerPixel = (l: PixelLayout): number => l.bands * (l.depth / 8);

/** samplesOf views raw bytes as samples (16-bit: the machine's byte order, as libvips writes its own files). */
export function samplesOf(raw: Uint8Array, depth: 8 | 16): Uint8Array | Uint16Array {
  if (depth === 8) return raw;
  const aligned = raw.byteOffset % 2 === 0 ? raw : raw.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1);
}

/** splitTile turns w x h raw pixels into planes, bleeding colour under fully transparent pixels first. */
export function splitTile(raw: Uint8Array, w: number, h: number, l: PixelLayout): TilePlanes {
  const n = w * h;
  const s = samplesOf(raw, l.depth);
  if (s.length < n * l.bands) throw new RangeError(`a ${w}x${h} tile of ${l.bands} bands needs ${n * l.bands} samples, got ${s.length}`);
  const colour = l.bands >= 3;
  const y = new Float32Array(n);
  const cb = colour ? new Float32Array(n) : null;
  const cr = colour ? new Float32Array(n) : null;
  const alpha = hasAlpha(l) ? new Float32Array(n) : null;
  const b = l.bands;
  for (let i = 0, j = 0; i < n; i++, j += b) {
    if (cb && cr) {
      const R = s[j] as number;
      const G = s[j + 1] as number;
      const B = s[j + 2] as number;
      y[i] = 0.299 * R + 0.587 * G + 0.114 * B;
      cb[i] = -0.168736 * R - 0.331264 * G + 0.5 * B;
      cr[i] = 0.5 * R - 0.418688 * G - 0.081312 * B;
    } else {
      y[i] = s[j] as number;
    }
    if (alpha) alpha[i] = s[j + b - 1] as number;
  }
  if (alpha) bleedUnderTransparency(cb && cr ? [y, cb, cr] : [y], alpha, w, h);
  const y8 = new Uint8Array(n);
  let yRest: Float32Array | null = null;
  if (l.depth === 8) {
    for (let i = 0; i < n; i++) y8[i] = Math.min(255, Math.max(0, Math.round(y[i] as number)));
  } else {
    yRest = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.min(255, Math.max(0, Math.round((y[i] as number) / 257)));
      y8[i] = v;
      yRest[i] = (y[i] as number) - 257 * v;
    }
  }
  return { width: w, height: h, y8, yRest, cb, cr, alpha };
}

/** UpscaledPlanes is a tile's core after upscaling: luma from the model and the other planes from the resampler, all cw x ch. */
export interface UpscaledPlanes {
  readonly width: number;
  readonly height: number;
  readonly y8: Uint8Array;
  readonly yRest: Float32Array | null;
  readonly cb: Float32Array | null;
  readonly cr: Float32Array | null;
  readonly alpha: Float32Array | null;
}

/** joinTile turns upscaled planes back into raw pixels of the same layout (rounded and clipped to the sample range). */
export function joinTile(p: UpscaledPlanes, l: PixelLayout): Uint8Array {
  const n = p.width * p.height;
  const max = l.depth === 8 ? 255 : 65535;
  const out = l.depth === 8 ? new Uint8Array(n * l.bands) : new Uint16Array(n * l.bands);
  const clip = (v: number): number => (v <= 0 ? 0 : v >= max ? max : Math.round(v));
  const b = l.bands;
  const unit = l.depth === 8 ? 1 : 257;
  for (let i = 0, j = 0; i < n; i++, j += b) {
    const Y = (p.y8[i] as number) * unit + (p.yRest ? (p.yRest[i] as number) : 0);
    if (p.cb && p.cr && b >= 3) {
      const Cb = p.cb[i] as number;
      const Cr = p.cr[i] as number;
      out[j] = clip(Y + 1.402 * Cr);
      out[j + 1] = clip(Y - 0.344136 * Cb - 0.714136 * Cr);
      out[j + 2] = clip(Y + 1.772 * Cb);
    } else {
      out[j] = clip(Y);
    }
    if (p.alpha && hasAlpha(l)) out[j + b - 1] = clip(p.alpha[i] as number);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

import { bleedUnderTransparency } from './alpha-bleed.js';

/**
 * Tile pixels to planes and back. A picture is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)
 * bands of 8 or 16 bits, interleaved as libvips stores it. The model sees 8-bit full-range
 * BT.601 (JFIF) luma, as today; chroma and alpha stay floats until the end.
 *
 * 16-bit pictures: the model's input and output are 8-bit, so its output alone would band a smooth
 * 16-bit gradient. Their luma is instead the 16-bit luma upscaled bicubically, plus the detail
 * the model adds over bicubic (model - round(bicubic of its 8-bit input), in 8-bit steps x 257),
 * less one step of coring: a difference of one step is the model's own rounding, not detail. So
 * smooth areas keep all 16 bits and edges and texture get the model's detail.
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
  /** 16-bit pictures: luma in 16-bit units; else null. */
  readonly y16: Float32Array | null;
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
  const unit = l.depth === 8 ? 1 : 257;
  for (let i = 0; i < n; i++) y8[i] = Math.min(255, Math.max(0, Math.round((y[i] as number) / unit)));
  return { width: w, height: h, y8, y16: l.depth === 16 ? y : null, cb, cr, alpha };
}

/** UpscaledPlanes is a tile's core after upscaling: luma from the model and the other planes from the resampler, all cw x ch. */
export interface UpscaledPlanes {
  readonly width: number;
  readonly height: number;
  readonly y8: Uint8Array;
  /** 16-bit pictures: the 16-bit luma and the model's 8-bit input, both upscaled bicubically; else null. */
  readonly y16: Float32Array | null;
  readonly y8Bicubic: Float32Array | null;
  readonly cb: Float32Array | null;
  readonly cr: Float32Array | null;
  readonly alpha: Float32Array | null;
}

/** modelDetail is what the model adds over bicubic, in 8-bit steps, less one step of coring (its own rounding). */
export function modelDetail(model: number, bicubic: number): number {
  const d = model - Math.round(bicubic);
  return d > 1 ? d - 1 : d < -1 ? d + 1 : 0;
}

/** joinTile turns upscaled planes back into raw pixels of the same layout (rounded and clipped to the sample range). */
export function joinTile(p: UpscaledPlanes, l: PixelLayout): Uint8Array {
  const n = p.width * p.height;
  const max = l.depth === 8 ? 255 : 65535;
  const out = l.depth === 8 ? new Uint8Array(n * l.bands) : new Uint16Array(n * l.bands);
  const clip = (v: number): number => (v <= 0 ? 0 : v >= max ? max : Math.round(v));
  const b = l.bands;
  const wide = p.y16 !== null && p.y8Bicubic !== null;
  for (let i = 0, j = 0; i < n; i++, j += b) {
    const Y = wide
      ? ((p.y16 as Float32Array)[i] as number) + 257 * modelDetail(p.y8[i] as number, (p.y8Bicubic as Float32Array)[i] as number)
      : (p.y8[i] as number);
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

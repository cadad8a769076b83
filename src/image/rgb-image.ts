/** RgbImage is an 8-bit RGB picture, pixels interleaved R, G, B row by row (no padding, no alpha). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes. */
  readonly data: Uint8Array;
}

/** Planes3 holds three planes of equal size (R/G/B or Y/Cb/Cr) of one picture. */
export interface Planes3<T extends Uint8Array | Float64Array = Uint8Array> {
  readonly width: number;
  readonly height: number;
  readonly planes: readonly [T, T, T];
}

/** createRgbImage checks the size of `data` against width x height and returns the image. */
export function createRgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  const bytes = data ?? new Uint8Array(width * height * 3);
  if (bytes.length !== width * height * 3) {
    throw new RangeError(`RGB data has ${bytes.length} bytes, ${width}x${height} needs ${width * height * 3}`);
  }
  return { width, height, data: bytes };
}

/** splitRgb returns the R, G and B planes of an image. */
export function splitRgb(img: RgbImage): Planes3 {
  const n = img.width * img.height;
  const r = new Uint8Array(n);
  const g = new Uint8Array(n);
  const b = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    r[i] = d[j] as number;
    g[i] = d[j + 1] as number;
    b[i] = d[j + 2] as number;
  }
  return { width: img.width, height: img.height, planes: [r, g, b] };
}

/** joinRgb interleaves R, G and B planes into an image. */
export function joinRgb(p: Planes3): RgbImage {
  const n = p.width * p.height;
  const [r, g, b] = p.planes;
  if (r.length !== n || g.length !== n || b.length !== n) {
    throw new RangeError(`planes do not match ${p.width}x${p.height}`);
  }
  const d = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    d[j] = r[i] as number;
    d[j + 1] = g[i] as number;
    d[j + 2] = b[i] as number;
  }
  return { width: p.width, height: p.height, data: d };
}

/** modCrop keeps the top-left part of an image whose sides are multiples of `scale` (the SR protocol's "modcrop"). */
export function modCrop(img: RgbImage, scale: number): RgbImage {
  const w = img.width - (img.width % scale);
  const h = img.height - (img.height % scale);
  if (w <= 0 || h <= 0) throw new RangeError(`image ${img.width}x${img.height} is smaller than the scale ${scale}`);
  if (w === img.width && h === img.height) return img;
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) d.set(img.data.subarray(y * img.width * 3, y * img.width * 3 + w * 3), y * w * 3);
  return { width: w, height: h, data: d };
}

/**
 * EXIF orientation without a rotated copy of the picture: uprez keeps the decoded image as stored
 * and reads each tile through the orientation (a 90-degree turn reads a column of the stored
 * picture as a row), so a phone photo is upright in the output while no more than a tile of it is
 * held in memory. Tags 1-8 as in EXIF 2.3 / TIFF 6.0 (1: as stored; 6: turn 90 degrees clockwise to show).
 */

/** Orientation is an EXIF orientation tag value. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** Rect is a rectangle of pixels: left, top, width, height. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** toOrientation reads a metadata value as an Orientation (anything else is 1, as stored). */
export function toOrientation(v: unknown): Orientation {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 8 ? (v as Orientation) : 1;
}

/** swapsSides says whether showing the picture turns it by 90 degrees (tags 5-8). */
export function swapsSides(o: Orientation): boolean {
  return o >= 5;
}

/** orientedSize is the size of the picture as shown, for a stored width x height. */
export function orientedSize(width: number, height: number, o: Orientation): { width: number; height: number } {
  return swapsSides(o) ? { width: height, height: width } : { width, height };
}

/** storedPoint maps a pixel (u, v) of the picture as shown to the pixel of the stored W x H picture it comes from. */
export function storedPoint(u: number, v: number, W: number, H: number, o: Orientation): [number, number] {
  switch (o) {
    case 1:
      return [u, v];
    case 2:
      return [W - 1 - u, v];
    case 3:
      return [W - 1 - u, H - 1 - v];
    case 4:
      return [u, H - 1 - v];
    case 5:
      return [v, u];
    case 6:
      return [v, H - 1 - u];
    case 7:
      return [W - 1 - v, H - 1 - u];
    case 8:
      return [W - 1 - v, u];
  }
}

/** storedBox is the rectangle of the stored W x H picture that holds `rect` of the picture as shown. */
export function storedBox(rect: Rect, W: number, H: number, o: Orientation): Rect {
  const [x0, y0] = storedPoint(rect.x, rect.y, W, H, o);
  const [x1, y1] = storedPoint(rect.x + rect.w - 1, rect.y + rect.h - 1, W, H, o);
  const x = Math.min(x0, x1);
  const y = Math.min(y0, y1);
  return { x, y, w: Math.abs(x1 - x0) + 1, h: Math.abs(y1 - y0) + 1 };
}

/**
 * orientPixels takes the pixels of `box` of the stored W x H picture (row by row, `bpp` bytes a
 * pixel) and returns those of `rect` of the picture as shown, row by row. Tag 1 returns `src` itself.
 */
export function orientPixels(src: Uint8Array, box: Rect, rect: Rect, W: number, H: number, o: Orientation, bpp: number): Uint8Array {
  if (o === 1) return src;
  const out = new Uint8Array(rect.w * rect.h * bpp);
  let j = 0;
  for (let v = 0; v < rect.h; v++) {
    for (let u = 0; u < rect.w; u++) {
      const [x, y] = storedPoint(rect.x + u, rect.y + v, W, H, o);
      const i = ((y - box.y) * box.w + (x - box.x)) * bpp;
      for (let k = 0; k < bpp; k++) out[j++] = src[i + k] as number;
    }
  }
  return out;
}

import type { Rect } from './orientation.js';

/** TileSpec is one piece of a picture to upscale: the core it delivers and the larger region read around it. */
export interface TileSpec {
  readonly index: number;
  /** The pixels this tile writes (in input pixels; the output is core x scale). */
  readonly core: Rect;
  /** The pixels read: the core and up to `margin` more on each side, inside the picture. */
  readonly region: Rect;
}

/** TileLayout: core size and the context read around each core, in input pixels. */
export interface TileLayout {
  readonly tile: number;
  readonly margin: number;
}

/**
 * DEFAULT_TILE_LAYOUT: 256 px cores with 16 px of context. The context covers the receptive field
 * of every shipped model (uprez-x2-live's is about 29 px, so 15 on each side) and the bicubic
 * chroma's 2 px; tile and margin are multiples of 8, so every region starts on an even pixel and
 * a stride-2 layer sees the same grid as in one whole-picture run.
 */
export const DEFAULT_TILE_LAYOUT: TileLayout = { tile: 256, margin: 16 };

/** planTiles cuts a width x height picture into tiles, row by row, left to right. */
export function planTiles(width: number, height: number, layout: TileLayout = DEFAULT_TILE_LAYOUT): TileSpec[] {
  const { tile, margin } = layout;
  if (!(Number.isInteger(tile) && tile > 0 && Number.isInteger(margin) && margin >= 0))
    throw new RangeError(`invalid tile layout ${tile}/${margin}`);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new RangeError(`invalid picture size ${width}x${height}`);
  const out: TileSpec[] = [];
  for (let y = 0; y < height; y += tile) {
    for (let x = 0; x < width; x += tile) {
      const core = { x, y, w: Math.min(tile, width - x), h: Math.min(tile, height - y) };
      const rx = Math.max(0, x - margin);
      const ry = Math.max(0, y - margin);
      const region = { x: rx, y: ry, w: Math.min(width, x + core.w + margin) - rx, h: Math.min(height, y + core.h + margin) - ry };
      out.push({ index: out.length, core, region });
    }
  }
  return out;
}

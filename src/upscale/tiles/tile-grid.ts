/**
 * The tile grid of a frame for per-tile scheduling: square tiles of `tile` LR pixels from the top
 * left (the last column and row take the remainder), numbered in raster order.
 */
import type { LumaRect } from '../luma-regions.js';

/** TileGrid describes the tiles of one frame size. */
export interface TileGrid {
  readonly width: number;
  readonly height: number;
  readonly tile: number;
  readonly cols: number;
  readonly rows: number;
  readonly count: number;
}

/** tileGrid builds the grid of a width x height frame. */
export function tileGrid(width: number, height: number, tile: number): TileGrid {
  if (!Number.isInteger(tile) || tile < 8) throw new RangeError(`tile must be a whole number >= 8, got ${tile}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`invalid frame size ${width}x${height}`);
  const cols = Math.ceil(width / tile);
  const rows = Math.ceil(height / tile);
  return { width, height, tile, cols, rows, count: cols * rows };
}

/** tileRect is tile i's rectangle (LR pixels). */
export function tileRect(g: TileGrid, i: number): LumaRect {
  const col = i % g.cols;
  const row = (i / g.cols) | 0;
  const x = col * g.tile;
  const y = row * g.tile;
  return { x, y, width: Math.min(g.tile, g.width - x), height: Math.min(g.tile, g.height - y) };
}

/** tilePixels is tile i's area in LR pixels. */
export function tilePixels(g: TileGrid, i: number): number {
  const r = tileRect(g, i);
  return r.width * r.height;
}

/**
 * mergeRuns turns a set of tiles into rectangles: horizontal runs of adjacent tiles in one tile
 * row become one rectangle, so a region request pays the model's halo once per run, not per tile.
 */
export function mergeRuns(g: TileGrid, tiles: readonly number[]): { rect: LumaRect; tiles: number[] }[] {
  const sorted = [...tiles].sort((a, b) => a - b);
  const out: { rect: LumaRect; tiles: number[] }[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (!run.length) return;
    const first = tileRect(g, run[0] as number);
    const last = tileRect(g, run[run.length - 1] as number);
    out.push({ rect: { x: first.x, y: first.y, width: last.x + last.width - first.x, height: first.height }, tiles: run });
    run = [];
  };
  for (const t of sorted) {
    const prev = run[run.length - 1];
    if (prev !== undefined && (t !== prev + 1 || t % g.cols === 0)) flush();
    run.push(t);
  }
  flush();
  return out;
}

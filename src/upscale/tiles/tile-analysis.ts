/**
 * Cheap per-tile facts about a frame's luma, for per-tile scheduling:
 * - changed: whether a tile's window (the tile plus the model's halo) differs from the previous
 *   frame's. An unchanged window gives the same model output, bit for bit, so the previous output
 *   is reused (H.264 skip blocks in static areas decode to identical pixels);
 * - detail: the mean absolute luma gradient over the tile, the ranking of where the model gains
 *   most (flat areas gain nothing from SR; edges and texture gain most).
 */
import { tileRect, type TileGrid } from './tile-grid.js';

/** changedTiles marks (1) every tile whose window differs from `prev`'s (all of them without a previous frame). */
export function changedTiles(prev: Uint8Array | null, cur: Uint8Array, g: TileGrid, halo: number): Uint8Array {
  const out = new Uint8Array(g.count);
  if (!prev) return out.fill(1);
  const w = g.width;
  // Rows that differ, per tile column span, computed once: a tile's window spans a few columns of tiles.
  for (let i = 0; i < g.count; i++) {
    const r = tileRect(g, i);
    const x0 = Math.max(0, r.x - halo);
    const x1 = Math.min(w, r.x + r.width + halo);
    const y0 = Math.max(0, r.y - halo);
    const y1 = Math.min(g.height, r.y + r.height + halo);
    for (let y = y0; y < y1; y++) {
      const a = y * w + x0;
      const b = y * w + x1;
      if (Buffer.compare(prev.subarray(a, b), cur.subarray(a, b)) !== 0) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * tileDetail is the mean of |dY/dx| + |dY/dy| over each of `tiles` (default: all) in grey levels
 * per pixel; tiles not asked for are 0 (the stage asks only for the tiles that need a model run).
 */
export function tileDetail(cur: Uint8Array, g: TileGrid, tiles?: readonly number[]): Float32Array {
  const out = new Float32Array(g.count);
  const w = g.width;
  for (const i of tiles ?? Array.from({ length: g.count }, (_, k) => k)) {
    const r = tileRect(g, i);
    let sum = 0;
    // Differences within the tile only (the last column and row have no right / lower neighbour in it).
    const xEnd = r.x + r.width - 1;
    const yEnd = r.y + r.height - 1;
    for (let y = r.y; y <= yEnd; y++) {
      const row = y * w;
      for (let x = r.x; x <= xEnd; x++) {
        const v = cur[row + x] as number;
        if (x < xEnd) sum += Math.abs((cur[row + x + 1] as number) - v);
        if (y < yEnd) sum += Math.abs((cur[row + w + x] as number) - v);
      }
    }
    out[i] = sum / (r.width * r.height);
  }
  return out;
}

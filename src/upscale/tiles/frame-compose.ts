/**
 * composeTiles: one frame's Y from its model tiles and bicubic (the output already holds bicubic):
 * each tile with model luma is pasted, feathered against bicubic neighbours; the frame's model
 * share, the tier that made most of it, and the main reason for the rest are reported.
 */
import type { FallbackReason } from '../../media/frame.js';
import { DEFAULT_FEATHER, pasteTile } from './tile-compose.js';
import { tilePixels, type TileGrid } from './tile-grid.js';

/** ModelTile is a tile's model luma (its own HR block) and the tier that made it. */
export interface ModelTile {
  readonly block: Uint8Array;
  readonly tier: number;
}

/** Composition: what a composed frame is made of. */
export interface Composition {
  /** Share of the frame's Y pixels a model made, 0..1. */
  readonly modelShare: number;
  /** The tier that made most model pixels, or undefined with none. */
  readonly topTier: number | undefined;
  /** The reason that covers most non-model pixels, or undefined with none. */
  readonly reason: FallbackReason | undefined;
}

/**
 * composeTiles pastes `model` tiles into `out` (HR Y, bicubic) and reports the Composition; a
 * tile with neither model luma nor a reason in `why` is counted `late_result`.
 */
export function composeTiles(
  out: Uint8Array,
  grid: TileGrid,
  scale: number,
  model: ReadonlyMap<number, ModelTile>,
  why: ReadonlyMap<number, FallbackReason>,
): Composition {
  const isModel = (t: number): boolean => model.has(t);
  let modelPixels = 0;
  const byTier = new Map<number, number>();
  for (const [t, m] of model) {
    pasteTile(out, grid, scale, t, m.block, isModel, DEFAULT_FEATHER);
    const px = tilePixels(grid, t);
    modelPixels += px;
    byTier.set(m.tier, (byTier.get(m.tier) ?? 0) + px);
  }
  const reasons = new Map<FallbackReason, number>();
  for (let t = 0; t < grid.count; t++) {
    if (model.has(t)) continue;
    const r = why.get(t) ?? 'late_result';
    reasons.set(r, (reasons.get(r) ?? 0) + tilePixels(grid, t));
  }
  return { modelShare: modelPixels / (grid.width * grid.height), topTier: largest(byTier), reason: largest(reasons) };
}

/** largest is the key with the largest value (the first of equals, in insertion order). */
function largest<K>(m: ReadonlyMap<K, number>): K | undefined {
  return [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

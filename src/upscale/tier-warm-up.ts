/**
 * warmUpTiers measures each model tier on a frame size before frames flow: the whole frame as runs
 * of tiles (its cost per pixel, the best of a few runs per worker) and one tile (the fixed cost of a
 * request), so the deadline stage plans its first frames with measured costs. Never rejects: a tier
 * that fails is logged and probed by the first frames instead.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { FrameGeometry } from '../media/frame.js';
import type { LatencyPredictor } from './latency-predictor.js';
import type { LumaRect } from './luma-regions.js';
import type { TierState } from './tier-state.js';
import { mergeRuns, tileGrid, tilePixels } from './tiles/tile-grid.js';

/** Whole-frame runs per worker slot; the fastest counts (the first runs pay for allocation). */
export const WARM_UP_RUNS = 2;

/** WarmUpOptions: the tiers to measure, where their costs go, and a probe frame's Y. */
export interface WarmUpOptions {
  readonly tiers: readonly TierState[];
  readonly costs: LatencyPredictor;
  readonly y: Uint8Array;
  readonly geometry: FrameGeometry;
  readonly tileSize: number;
  readonly log: Logger;
  /** Logged beside each tier's figures. */
  readonly note?: Record<string, number>;
}

/** warmUpTiers: see the file comment. */
export async function warmUpTiers(o: WarmUpOptions): Promise<void> {
  const g = o.geometry;
  const grid = tileGrid(g.width, g.height, o.tileSize);
  const rows: LumaRect[] = [];
  for (let r = 0; r < grid.rows; r++) {
    const row = Array.from({ length: grid.cols }, (_, c) => r * grid.cols + c);
    rows.push(...mergeRuns(grid, row).map((x) => x.rect));
  }
  const oneTile: LumaRect = { x: 0, y: 0, width: Math.min(o.tileSize, g.width), height: Math.min(o.tileSize, g.height) };
  for (const [i, tier] of o.tiers.entries()) {
    try {
      let whole = Infinity;
      for (let k = 0; k < WARM_UP_RUNS * tier.busyUntil.length; k++) {
        whole = Math.min(whole, (await tier.runner.upscaleLumaRegions(o.y, g.width, g.height, rows)).inferMs);
      }
      const perPixel = whole / (g.width * g.height);
      const one = await tier.runner.upscaleLumaRegions(o.y, g.width, g.height, [oneTile]);
      tier.requestMs = Math.max(0.2, one.inferMs - perPixel * tilePixels(grid, 0));
      o.costs.setWarmUp(tier.costKey, perPixel);
      o.log.info('model warmed up', {
        model: tier.runner.info.name,
        tier: i,
        size: `${g.width}x${g.height}`,
        frameMs: Number(whole.toFixed(1)),
        tiles: grid.count,
        ...o.note,
      });
    } catch (err) {
      o.log.warn('model warm-up failed; the first frames will probe it', { model: tier.runner.info.name, err: errorMessage(err) });
    }
  }
}

/**
 * DeadlineStage: the live upscale step, scheduled per tile. Each frame's Y is bicubic first; then,
 * within the frame's deadline, the model runs on as many of its tiles as fit, the ones where it
 * gains most first (detail), and its output is pasted over bicubic, feathered where a model tile
 * meets a bicubic one (tile-compose.ts). Tiles whose window (tile plus the model's halo) did not
 * change since the previous frame reuse their previous model output, bit for bit, at no cost.
 * The stream's tier (which model; tier-choice.ts) is the one whose gain times coverage is largest;
 * the tiles a model made last frame are preferred (stickiness), so tiles do not flicker between
 * paths. A result not back by the deadline is not waited for: its tiles stay bicubic
 * (`late_result`) and it only fills the cache. Frames leave in order, one out per one in.
 */
import { errorMessage, isNonFatal } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { defaultClock, type Clock } from './clock.js';
import { planesOf, type FallbackReason, type Frame, type FrameGeometry, type UpscaledFrame } from '../media/frame.js';
import { LatencyPredictor } from './latency-predictor.js';
import type { LumaRect, RegionsResult } from './luma-regions.js';
import { StageCore, type StageEntry } from './stage-core.js';
import type { UpscaleStageStats } from './stage-counters.js';
import { chooseTier, type TierEstimate } from './tier-choice.js';
import { recordAnswer, recordFailure, releaseSlot, successorState, tierStates, type TierConfig, type TierState } from './tier-state.js';
import { composeTiles, type ModelTile } from './tiles/frame-compose.js';
import { tileDetail } from './tiles/tile-analysis.js';
import { TileCache } from './tiles/tile-cache.js';
import { cutFromRegion } from './tiles/tile-compose.js';
import { mergeRuns, tilePixels, type TileGrid } from './tiles/tile-grid.js';
import { planTiles, type TileCandidate } from './tiles/tile-plan.js';
import { warmUpTiers } from './tier-warm-up.js';

export type { TierConfig } from './tier-state.js';

/** DeadlineStageOptions configure one live stream's stage. */
export interface DeadlineStageOptions {
  readonly scale: number;
  /** A frame must leave the stage this long after it arrived. */
  readonly latencyBudgetMs: number;
  /** The model tiers, best first (empty: bicubic only). */
  readonly tiers: readonly TierConfig[];
  /** Frames with model requests outstanding before new frames stay bicubic (`queue_full`). Default 4. */
  readonly maxInFlight?: number;
  /** Tile side in LR pixels. Default DEFAULT_TILE_SIZE. */
  readonly tileSize?: number;
  /** Steady picture: tier changes with a margin and a dwell, tiles that were model stay model (default true). */
  readonly hysteresis?: boolean;
  readonly clock?: Clock;
  readonly observer?: { onInference?(ms: number, model: string): void };
  readonly log: Logger;
}

/** DEFAULT_TILE_SIZE: 64 LR pixels, small enough to reuse static areas, large enough that the halo is a fraction. */
export const DEFAULT_TILE_SIZE = 64;
/** A tile the model made last frame ranks this much higher (the set of model tiles stays steady). */
const STICKINESS = 2;
/** Tier hysteresis: a better tier must be this much better, and moving up waits this long. */
const TIER_MARGIN = 0.1;
const TIER_DWELL_MS = 1_000;
/** A tier not in use is probed with one tile at most this often (its figure stays fresh). */
const PROBE_INTERVAL_MS = 500;

/** One frame's per-tile state, from push to emission. */
interface TileFrame {
  readonly entry: StageEntry;
  readonly grid: TileGrid;
  readonly y: Uint8Array;
  /** Model luma of the tiles that have it (computed this frame or reused), unblended, and its tier. */
  readonly model: Map<number, ModelTile>;
  /** Why each tile without model luma has none. */
  readonly why: Map<number, FallbackReason>;
  pending: number;
}

/** DeadlineStage: see the file comment. */
export class DeadlineStage {
  private readonly core: StageCore;
  private readonly tiers: TierState[];
  private readonly costs = new LatencyPredictor({ percentile: 0.9, minSamples: 4 });
  private readonly maxInFlight: number;
  private readonly tileSize: number;
  private readonly steady: boolean;
  private readonly tiles: TileCache;
  private tier: number;
  private tierSince = -Infinity;
  private tierChanges = 0;
  private neededPixels: number | undefined;
  private intervalMs: number | undefined;
  private lastArrival: number | undefined;
  private framesWithRequests = 0;
  private readonly log: Logger;

  constructor(private readonly opts: DeadlineStageOptions) {
    this.log = opts.log.child({ stage: 'upscale' });
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.tileSize = opts.tileSize ?? DEFAULT_TILE_SIZE;
    this.steady = opts.hysteresis !== false;
    this.core = new StageCore(opts.scale, opts.clock ?? defaultClock, this.maxInFlight, this.log);
    this.tiers = tierStates(opts.tiers);
    this.tier = this.tiers.length ? 0 : this.tiers.length;
    // The window a tile's output depends on: the largest model radius (bicubic's own is 2).
    const halo = Math.max(2, ...opts.tiers.map((t) => t.runner.info.receptiveRadius ?? t.runner.info.lumaTile?.halo ?? 16));
    this.tiles = new TileCache(this.tileSize, halo);
  }

  /** onOutput registers a listener for emitted frames; returns its removal. */
  onOutput(cb: (f: UpscaledFrame) => void): () => void {
    this.core.on('output', cb);
    return () => this.core.off('output', cb);
  }

  /**
   * warmUp runs bicubic and each tier on this size (whole frame as tile runs, then one tile), so
   * the first frames are planned with measured costs. Never rejects.
   */
  async warmUp(g: FrameGeometry): Promise<void> {
    const probe = new Uint8Array(g.frameSize);
    for (let i = 0; i < probe.length; i++) probe[i] = (i * 37 + ((i / g.width) | 0) * 11) & 255;
    const s = this.opts.scale;
    const out = new Uint8Array(g.lumaSize * s * s + 2 * g.chromaSize * s * s);
    this.core.bicubicLuma(probe, g, out);
    this.core.bicubicLuma(probe, g, out);
    await warmUpTiers({
      tiers: this.tiers,
      costs: this.costs,
      y: planesOf(probe, g).y,
      geometry: g,
      tileSize: this.tileSize,
      log: this.log,
      note: { bicubicMs: Number(this.core.bicubicMs().toFixed(1)), budgetMs: this.opts.latencyBudgetMs },
    });
  }

  /** push takes one decoded frame; never blocks on the model, never throws. */
  push(frame: Frame): void {
    if (this.core.closed) return;
    const e = this.core.admit(frame);
    if (!e) return;
    const g = frame.geometry;
    this.trackInterval(frame.arrivedAt);
    const grid = this.tiles.gridFor(g.width, g.height);
    const y = planesOf(frame.data, g).y;
    this.tiles.advance(y);
    this.core.bicubicLuma(frame.data, g, e.out);
    this.core.bicubicChroma(frame.data, g, e.out);
    const tf: TileFrame = { entry: e, grid, y, model: new Map(), why: new Map(), pending: 0 };
    const candidates: TileCandidate[] = [];
    const toRun: number[] = [];
    for (let t = 0; t < grid.count; t++) {
      const cached = this.tiles.cached(t);
      if (!cached) {
        toRun.push(t);
        continue;
      }
      tf.model.set(t, { block: cached.block, tier: cached.tier });
      this.core.counters.tilesReused++;
    }
    // Detail only where a model run is needed: reused tiles cost nothing, not even a look.
    const detail = tileDetail(y, grid, toRun);
    let neededPixels = 0;
    for (const t of toRun) {
      const pixels = tilePixels(grid, t);
      neededPixels += pixels;
      candidates.push({
        tile: t,
        pixels,
        priority: (detail[t] as number) * (this.steady && this.tiles.wasModel(t) ? STICKINESS : 1) + 1e-3,
      });
    }
    this.neededPixels = this.neededPixels === undefined ? neededPixels : 0.8 * this.neededPixels + 0.2 * neededPixels;
    const now = this.core.clock.now();
    this.chooseTier(now);
    this.dispatch(tf, candidates, now);
    if (tf.pending === 0) this.complete(tf);
    else {
      const fireIn = Math.max(0, frame.deadline - this.core.leadMs() - now);
      e.timer = this.core.clock.setTimeout(() => this.complete(tf), fireIn);
    }
    this.probe(tf, candidates, now);
    this.core.drain();
  }

  private trackInterval(arrivedAt: number): void {
    if (this.lastArrival !== undefined && arrivedAt > this.lastArrival) {
      const dt = arrivedAt - this.lastArrival;
      this.intervalMs = this.intervalMs === undefined ? dt : 0.9 * this.intervalMs + 0.1 * dt;
    }
    this.lastArrival = arrivedAt;
  }

  private estimates(now: number): TierEstimate[] {
    return this.tiers.map((t) => ({
      msPerPixel: this.costs.predict(t.costKey),
      workers: t.busyUntil.length,
      gain: t.gain,
      available: now >= t.backoffUntil,
    }));
  }

  private chooseTier(now: number): void {
    const next = chooseTier({
      now,
      current: this.tier,
      since: this.tierSince,
      neededPixels: this.neededPixels ?? 0,
      frameIntervalMs: this.intervalMs ?? 33.3,
      tiers: this.estimates(now),
      dwellMs: this.steady ? TIER_DWELL_MS : 0,
      margin: this.steady ? TIER_MARGIN : 0,
    });
    if (next === this.tier) return;
    const from = this.tiers[this.tier]?.runner.info.name ?? 'bicubic';
    const to = this.tiers[next]?.runner.info.name ?? 'bicubic';
    this.log.info('stream changes model tier', { from, to });
    this.tier = next;
    this.tierSince = now;
    this.tierChanges++;
  }

  /** dispatch plans the frame's candidates on the stream's tier and sends the requests. */
  private dispatch(tf: TileFrame, candidates: TileCandidate[], now: number): void {
    if (candidates.length === 0) return;
    const tier = this.tiers[this.tier];
    const allWhy = (why: FallbackReason): void => {
      for (const c of candidates) tf.why.set(c.tile, why);
    };
    if (!tier)
      return allWhy(
        this.tiers.length === 0 ? 'no_model' : this.tiers.every((t) => now < t.backoffUntil) ? 'model_error' : 'predicted_late',
      );
    if (this.framesWithRequests >= this.maxInFlight) return allWhy('queue_full');
    const others = Math.max(0, (tier.runner.pending ?? 0) - tier.outstanding.reduce((a, b) => a + b, 0));
    const othersMs = (others * tier.avgBatchMs) / tier.busyUntil.length;
    const plan = planTiles({
      now: now + othersMs,
      deadline: tf.entry.frame.deadline,
      leadMs: this.core.leadMs(),
      msPerPixel: this.costs.predict(tier.costKey),
      requestMs: tier.requestMs,
      busyUntil: tier.busyUntil,
      candidates,
    });
    for (const t of plan.skipped) tf.why.set(t, 'predicted_late');
    if (plan.batches.length === 0) return;
    this.framesWithRequests++;
    for (const b of plan.batches) {
      tier.busyUntil[b.worker] = b.predictedDoneAt;
      this.send(this.tier, b.worker, tf, b.tiles, tf);
    }
  }

  /** probe sends one tile to a tier not in use now and then, so its cost figure stays fresh (measured, and cached). */
  private probe(frame: TileFrame, candidates: TileCandidate[], now: number): void {
    const best = candidates.reduce<TileCandidate | null>((a, c) => (!a || c.priority > a.priority ? c : a), null);
    if (!best) return;
    for (const [i, tier] of this.tiers.entries()) {
      if (i === this.tier || now < tier.backoffUntil || now - tier.lastProbe < PROBE_INTERVAL_MS) continue;
      if (tier.outstanding.some((n) => n > 0)) continue;
      tier.lastProbe = now;
      this.core.counters.probes++;
      this.send(i, 0, null, [best.tile], frame);
    }
  }

  /**
   * send runs `tiles` of a frame on tier `ti` as one request (runs of adjacent tiles merged). With
   * `tf` null it is a probe: measured and cached, never part of the frame.
   */
  private send(ti: number, worker: number, tf: TileFrame | null, tiles: number[], frame: TileFrame): void {
    const tier = this.tiers[ti] as TierState;
    const grid = frame.grid;
    const runs = mergeRuns(grid, tiles);
    const versions = new Map(tiles.map((t) => [t, this.tiles.version(t)]));
    const corePixels = tiles.reduce((n, t) => n + tilePixels(grid, t), 0);
    const g = frame.entry.frame.geometry;
    tier.outstanding[worker] = (tier.outstanding[worker] as number) + 1;
    if (tf) tf.pending++;
    this.core.counters.tilesComputed += tf ? tiles.length : 0;
    tier.runner
      .upscaleLumaRegions(
        frame.y,
        g.width,
        g.height,
        runs.map((r) => r.rect),
      )
      .then(
        (res) => this.onResult(ti, worker, tf, grid, runs, versions, corePixels, res),
        (err: unknown) => this.onError(ti, worker, tf, tiles, err),
      );
  }

  private onResult(
    ti: number,
    worker: number,
    tf: TileFrame | null,
    grid: TileGrid,
    runs: { rect: LumaRect; tiles: number[] }[],
    versions: Map<number, number>,
    corePixels: number,
    res: RegionsResult,
  ): void {
    const tier = this.tiers[ti] as TierState;
    releaseSlot(tier, worker, this.core.clock.now());
    if (corePixels > 0) this.costs.record(tier.costKey, res.inferMs / corePixels);
    const failedInARow = recordAnswer(tier, res.inferMs);
    this.opts.observer?.onInference?.(res.inferMs, tier.runner.info.name);
    if (failedInARow > 0) this.log.info('model answering again', { model: tier.runner.info.name, failedInARow });
    if (this.core.closed) return;
    const s = this.opts.scale;
    res.regions.forEach((region, k) => {
      const run = runs[k];
      if (!run) return;
      for (const t of run.tiles) {
        const block = cutFromRegion(region.y, run.rect.x, run.rect.y, run.rect.width, grid, s, t);
        // Only a result for the tile's current window may be reused by later frames.
        this.tiles.store(grid, t, versions.get(t) as number, ti, block);
        if (tf && !tf.entry.ready) tf.model.set(t, { block, tier: ti });
      }
    });
    if (tf) this.batchDone(tf);
  }

  private onError(ti: number, worker: number, tf: TileFrame | null, tiles: number[], err: unknown): void {
    const tier = this.tiers[ti] as TierState;
    const now = this.core.clock.now();
    releaseSlot(tier, worker, now);
    const note = recordFailure(tier, !isNonFatal(err), now);
    if (note.first)
      this.log.warn('model inference failed; its tiles take bicubic', { model: tier.runner.info.name, err: errorMessage(err) });
    if (note.restsNow) this.log.warn('model keeps failing; backing off', { model: tier.runner.info.name, backoffMs: note.backoffMs });
    if (!tf) return;
    if (!tf.entry.ready) for (const t of tiles) tf.why.set(t, 'model_error');
    this.batchDone(tf);
  }

  private batchDone(tf: TileFrame): void {
    tf.pending--;
    if (tf.pending === 0) {
      this.framesWithRequests = Math.max(0, this.framesWithRequests - 1);
      if (!tf.entry.ready) this.complete(tf);
    }
  }

  /** complete composes the frame from what it has (at its deadline, or when every request is back) and lets it go. */
  private complete(tf: TileFrame): void {
    const e = tf.entry;
    if (e.ready || this.core.closed) return;
    e.timer = null;
    const grid = tf.grid;
    const c = composeTiles(e.out, grid, this.opts.scale, tf.model, tf.why);
    for (let t = 0; t < grid.count; t++) this.tiles.setModel(t, tf.model.has(t));
    e.modelShare = c.modelShare;
    e.model = c.topTier === undefined ? undefined : this.tiers[c.topTier]?.runner.info.name;
    const reason = c.reason;
    this.core.finish(e, e.modelShare >= 0.5 ? 'model' : 'bicubic', e.modelShare >= 1 ? undefined : reason);
    this.core.drain();
  }

  /**
   * replaceTier puts another model in tier `index` (a denoise family member: same graph and cost,
   * other weights), or the same model with another gain (its worth at the stream's compression). A
   * new model runs from the next frame; its predecessor's results still out may finish their frames
   * but every reused tile output is dropped. Runners are shared, not closed. Nothing new: no-op.
   */
  replaceTier(index: number, tier: TierConfig): void {
    const prev = this.tiers[index];
    if (!prev || this.core.closed) return;
    const sameModel = prev.runner === tier.runner;
    if (sameModel && (tier.gain === undefined || tier.gain === prev.gain)) return;
    const next = successorState(prev, tier, index);
    if (!sameModel) {
      const cost = this.costs.predict(prev.costKey);
      if (cost !== undefined) this.costs.setWarmUp(next.costKey, cost);
      this.tiles.forget();
    }
    this.tiers[index] = next;
    const what = sameModel ? 'tier gain changed' : 'model replaced in its tier';
    this.log.info(what, { tier: index, to: tier.runner.info.name, gain: next.gain });
  }

  /** whenReady resolves at once: live frames are never held back (the deadline bounds them). */
  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  /** flush resolves once every frame pushed so far has been emitted. */
  flush(): Promise<void> {
    if (this.core.closed) return Promise.resolve();
    return this.core.queue.whenEmpty();
  }

  /** stats reports counters and recent stage latency. */
  stats(): UpscaleStageStats {
    return this.core.stats(this.tierChanges);
  }

  /** close stops emitting (queued frames are dropped); idempotent; runners are not closed. */
  close(): void {
    this.core.close();
  }
}

/**
 * The per-frame tile plan, pure: which of a frame's tiles go to the model before its deadline, in
 * which request on which worker. Tiles are taken best first (the caller ranks them by where the
 * model gains most) and each goes to the worker that would finish it soonest; a tile joins a
 * request only if that request is still predicted back before the point where the fallback must
 * start (deadline - lead). What does not fit stays bicubic. Adjacent tiles in one request are
 * merged into one rectangle when it is sent (mergeRuns), so the prediction per pixel is learned
 * at the same merging as it is spent.
 */

/** TileCandidate is a tile that needs a model run (its window changed, or nothing is cached). */
export interface TileCandidate {
  readonly tile: number;
  /** LR pixels of the tile (its core). */
  readonly pixels: number;
  /** Higher first. */
  readonly priority: number;
}

/** PlanInput is one frame's planning input (times in ms on the stage's clock). */
export interface PlanInput {
  readonly now: number;
  readonly deadline: number;
  /** How long before the deadline the fallback must start. */
  readonly leadMs: number;
  /** Cost per LR pixel of one worker (halo included at the usual merging); undefined: unknown yet. */
  readonly msPerPixel: number | undefined;
  /** Fixed cost of one request (messaging, waking the worker). */
  readonly requestMs: number;
  /** When each worker is predicted free of work already sent (this stream's and others'). */
  readonly busyUntil: readonly number[];
  readonly candidates: readonly TileCandidate[];
}

/** PlannedBatch is one request: its worker, its tiles, when it is predicted back. */
export interface PlannedBatch {
  readonly worker: number;
  readonly tiles: number[];
  predictedDoneAt: number;
}

/** TilePlan is the plan: the requests, and the candidates left to bicubic. */
export interface TilePlan {
  readonly batches: PlannedBatch[];
  readonly skipped: number[];
}

/**
 * planTiles assigns candidates to workers (see the file comment). With no prediction yet every
 * candidate is sent, spread over the workers (the deadline timer still bounds the frame).
 */
export function planTiles(i: PlanInput): TilePlan {
  const workers = Math.max(1, i.busyUntil.length);
  const byWorker: (PlannedBatch | null)[] = new Array<PlannedBatch | null>(workers).fill(null);
  const free = Array.from({ length: workers }, (_, w) => Math.max(i.now, i.busyUntil[w] ?? i.now));
  const skipped: number[] = [];
  const sorted = [...i.candidates].sort((a, b) => b.priority - a.priority || a.tile - b.tile);
  const limit = i.deadline - i.leadMs;
  sorted.forEach((c, k) => {
    if (i.msPerPixel === undefined) {
      const w = k % workers;
      (byWorker[w] ??= { worker: w, tiles: [], predictedDoneAt: limit }).tiles.push(c.tile);
      return;
    }
    let best = -1;
    let bestDone = Infinity;
    for (let w = 0; w < workers; w++) {
      const start = byWorker[w] ? (byWorker[w] as PlannedBatch).predictedDoneAt : (free[w] as number) + i.requestMs;
      const done = start + c.pixels * i.msPerPixel;
      if (done < bestDone) {
        best = w;
        bestDone = done;
      }
    }
    if (best < 0 || bestDone > limit) {
      skipped.push(c.tile);
      return;
    }
    const b = (byWorker[best] ??= { worker: best, tiles: [], predictedDoneAt: 0 });
    b.tiles.push(c.tile);
    b.predictedDoneAt = bestDone;
  });
  return { batches: byWorker.filter((b): b is PlannedBatch => b !== null), skipped };
}

import { describe, expect, test } from 'vitest';
import { planTiles, type PlanInput } from './tile-plan.js';

const cand = (n: number, pixels = 4096, priority = (t: number) => 100 - t) =>
  Array.from({ length: n }, (_, t) => ({ tile: t, pixels, priority: priority(t) }));

function plan(over: Partial<PlanInput>) {
  return planTiles({ now: 0, deadline: 250, leadMs: 10, msPerPixel: 0.01, requestMs: 1, busyUntil: [0, 0], candidates: cand(10), ...over });
}

describe('planTiles', () => {
  test('everything fits: every tile sent, spread over both workers, each batch back before deadline - lead', () => {
    const p = plan({});
    expect(p.skipped).toEqual([]);
    expect(p.batches.map((b) => b.tiles.length).sort()).toEqual([5, 5]);
    for (const b of p.batches) expect(b.predictedDoneAt).toBeLessThanOrEqual(240);
  });

  test('the budget covers a few tiles: the highest priorities go, the rest stay bicubic', () => {
    // 41 ms per tile, 240 ms usable per worker: 5 tiles on each of 2 workers
    const p = plan({ msPerPixel: 0.01, candidates: cand(20, 4096) });
    const sent = p.batches.flatMap((b) => b.tiles).sort((a, b) => a - b);
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(p.skipped).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  test('work already queued on a worker counts: a busy worker takes fewer tiles', () => {
    const p = plan({ busyUntil: [200, 0], candidates: cand(8) });
    const w0 = p.batches.find((b) => b.worker === 0)?.tiles.length ?? 0;
    const w1 = p.batches.find((b) => b.worker === 1)?.tiles.length ?? 0;
    expect([w0, w1]).toEqual([0, 5]);
    expect(p.skipped).toHaveLength(3);
  });

  test('a deadline already past the lead: nothing is sent', () => {
    const p = plan({ now: 245 });
    expect(p.batches).toEqual([]);
    expect(p.skipped).toHaveLength(10);
  });

  test('priority decides, not tile order', () => {
    const p = plan({ msPerPixel: 0.05, busyUntil: [0], candidates: cand(6, 1000, (t) => t) });
    expect(p.batches[0]?.tiles).toEqual([5, 4, 3, 2]);
  });

  test('no prediction yet: every tile is sent, round robin', () => {
    const p = plan({ msPerPixel: undefined, candidates: cand(5) });
    expect(p.batches.map((b) => b.tiles)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
  });
});

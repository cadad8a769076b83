/**
 * The live stage's per-tile logic on a fake clock: deadline kept, order kept, one frame out per
 * frame in, tiles within the budget by detail, unchanged tiles reused, tiers chosen by gain times
 * coverage, errors and closing. The seams between model and bicubic tiles: tiles/tile-compose.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { FakeClock, FakeRunner, TimedRunner, flushMicrotasks, runUntil } from '../../test/helpers/stage-kit.js';
import { silentLogger } from '../log/logger.js';
import { upscaleFrameBicubic } from './bicubic.js';
import { frameGeometry, type Frame, type FrameGeometry, type UpscaledFrame } from '../media/frame.js';
import { createUpscaleStage, type TierConfig } from './upscale-stage.js';

// 64x32 LR in 16 px tiles: 4 x 2 = 8 tiles.
const G = frameGeometry(64, 32);
const OUT = frameGeometry(128, 64);
const TILE = 16;

/** A frame whose luma is `fill(x, y)`; chroma flat. */
function frame(seq: number, clock: FakeClock, fill: (x: number, y: number) => number, budget = 100, g: FrameGeometry = G): Frame {
  const data = new Uint8Array(g.frameSize).fill(128);
  for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) data[y * g.width + x] = fill(x, y) & 255;
  return { seq, pts: seq / 30, arrivedAt: clock.now(), deadline: clock.now() + budget, geometry: g, data };
}
const flat = (v: number) => () => v;
/** Texture whose detail grows to the right: the rightmost tiles rank first. */
const rightDetail = (x: number, y: number): number => 100 + (((x + y) % 2) * x) / 2;

function rig(tiers: TierConfig[], o: { budget?: number; hysteresis?: boolean; maxInFlight?: number } = {}) {
  const clock = new FakeClock();
  const stage = createUpscaleStage({
    mode: 'deadline',
    scale: 2,
    latencyBudgetMs: o.budget ?? 100,
    tiers,
    clock,
    tileSize: TILE,
    maxInFlight: o.maxInFlight ?? 4,
    hysteresis: o.hysteresis ?? true,
    log: silentLogger,
  });
  const out: UpscaledFrame[] = [];
  stage.onOutput((f) => out.push(f));
  return { clock, stage, out };
}

const lumaOf = (f: UpscaledFrame): Uint8Array => f.data.subarray(0, OUT.lumaSize);

describe('deadline stage: per-tile decisions', () => {
  test('the model fits: every tile model, chroma bicubic, emitted when the results land', async () => {
    const runner = new FakeRunner([]);
    const { clock, stage, out } = rig([{ runner }]);
    stage.push(frame(0, clock, flat(90)));
    expect(runner.regionCalls).toHaveLength(1);
    expect(runner.regionCalls[0]?.rects.reduce((n, r) => n + r.width * r.height, 0)).toBe(64 * 32);
    expect(out).toHaveLength(0);
    runner.answerRegions(0, 200);
    await flushMicrotasks();
    expect(out).toHaveLength(1);
    const f = out[0] as UpscaledFrame;
    expect([f.path, f.modelShare, f.reason, f.model]).toEqual(['model', 1, undefined, 'fake']);
    expect(lumaOf(f).every((b) => b === 200)).toBe(true);
    const bic = upscaleFrameBicubic(frame(0, clock, flat(90)).data, G, 2);
    expect(f.data.subarray(OUT.lumaSize)).toEqual(bic.subarray(OUT.lumaSize));
  });

  test('the budget covers a few tiles: those with the most detail go to the model, the rest stay bicubic (predicted_late)', async () => {
    // 0.02 ms per pixel: a 16x16 tile takes ~5 ms, the whole frame 41 ms; a 25 ms budget takes 4 of the 8 tiles
    const clock = new FakeClock();
    const slow = new TimedRunner(clock, (px) => px * 0.02);
    const stage = createUpscaleStage({
      mode: 'deadline',
      scale: 2,
      latencyBudgetMs: 25,
      tiers: [{ runner: slow }],
      clock,
      tileSize: TILE,
      log: silentLogger,
    });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    const warm = stage.warmUp(G);
    for (let i = 0; i < 20; i++) await runUntil(clock, clock.now() + 50);
    await warm;
    stage.push(frame(0, clock, rightDetail, 25));
    await runUntil(clock, clock.now() + 100);
    const f = out[0] as UpscaledFrame;
    expect(f.modelShare).toBe(0.5);
    expect(f.reason).toBe('predicted_late');
    expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
    // the model tiles are the detailed right-hand ones: the rightmost column is model, the leftmost bicubic
    const l = lumaOf(f);
    const bic = lumaOf({ ...f, data: upscaleFrameBicubic(frame(0, clock, rightDetail).data, G, 2) });
    // The fake model fills a run with one value: inside the rightmost tile (clear of the feather
    // band) the output is flat where bicubic is textured; the leftmost tile is bicubic.
    const values = (plane: Uint8Array, x0: number, x1: number) => {
      const set = new Set<number>();
      for (let y = 4; y < 28; y++) for (let x = x0; x < x1; x++) set.add(plane[y * 128 + x] as number);
      return set.size;
    };
    expect(values(l, 112, 128)).toBe(1);
    expect(values(bic, 112, 128)).toBeGreaterThan(4);
    expect(l.subarray(0, 16)).toEqual(bic.subarray(0, 16));
  });

  test('a result past the deadline: its tiles stay bicubic (late_result) at the deadline; it still fills the cache', async () => {
    const runner = new FakeRunner([]);
    const { clock, stage, out } = rig([{ runner }], { budget: 50 });
    stage.push(frame(0, clock, flat(90), 50));
    await runUntil(clock, 60);
    expect(out.map((f) => [f.path, f.reason, f.modelShare])).toEqual([['bicubic', 'late_result', 0]]);
    expect((out[0] as UpscaledFrame).emittedAt).toBeLessThanOrEqual(50);
    runner.answerRegions(0, 201);
    await flushMicrotasks();
    // The same picture again: every tile is unchanged and takes the late result from the cache.
    stage.push(frame(1, clock, flat(90), 50));
    await flushMicrotasks();
    expect(runner.regionCalls).toHaveLength(1);
    expect(out[1]?.modelShare).toBe(1);
    expect(lumaOf(out[1] as UpscaledFrame).every((b) => b === 201)).toBe(true);
  });

  test('unchanged tiles reuse their output; only changed ones (with the halo) are run again', async () => {
    const runner = new FakeRunner([]);
    const { clock, stage, out } = rig([{ runner }]);
    stage.push(frame(0, clock, flat(90)));
    runner.answerRegions(0, 150);
    await flushMicrotasks();
    // change one pixel deep inside tile 5 (row 1, col 1): with the model's halo (4) only that tile changes
    stage.push(frame(1, clock, (x, y) => (x === 24 && y === 24 ? 91 : 90)));
    expect(runner.regionCalls).toHaveLength(2);
    expect(runner.regionCalls[1]?.rects).toEqual([{ x: 16, y: 16, width: 16, height: 16 }]);
    runner.answerRegions(1, 160);
    await flushMicrotasks();
    const l = lumaOf(out[1] as UpscaledFrame);
    expect(l[40 * 128 + 40]).toBe(160); // tile 5 anew
    expect(l[4 * 128 + 4]).toBe(150); // tile 0 reused
    expect(out[1]?.modelShare).toBe(1);
    expect(stage.stats().tilesReused).toBe(7);
  });

  test('replaceTier: the next frames run the new model, nothing the old one made is reused, a late old result is not cached', async () => {
    const clean = new FakeRunner([], 'clean');
    const heavy = new FakeRunner([], 'heavy');
    const { clock, stage, out } = rig([{ runner: clean }]);
    stage.push(frame(0, clock, flat(90)));
    clean.answerRegions(0, 150);
    await flushMicrotasks();
    stage.push(frame(1, clock, flat(90))); // unchanged: reused, no call
    expect(clean.regionCalls).toHaveLength(1);
    await flushMicrotasks();
    stage.push(frame(2, clock, (x, y) => (x === 24 && y === 24 ? 91 : 90))); // tile 5 changed: one call out on the old model
    expect(clean.regionCalls).toHaveLength(2);
    stage.replaceTier?.(0, { runner: heavy });
    clean.answerRegions(1, 170); // the old model's answer still finishes frame 2 ...
    await flushMicrotasks();
    expect(out[2]?.modelShare).toBe(1);
    expect(out[2]?.model).toBe('heavy'); // named by its tier, now the new model's
    stage.push(frame(3, clock, (x, y) => (x === 24 && y === 24 ? 91 : 90))); // ... but is not reused: every tile runs on the new model
    expect(clean.regionCalls).toHaveLength(2);
    expect(heavy.regionCalls).toHaveLength(1);
    expect(heavy.regionCalls[0]?.rects.reduce((n, r) => n + r.width * r.height, 0)).toBe(64 * 32);
    heavy.answerRegions(0, 210);
    await flushMicrotasks();
    expect(lumaOf(out[3] as UpscaledFrame).every((b) => b === 210)).toBe(true);
    expect(out.map((f) => f.seq)).toEqual([0, 1, 2, 3]);
  });

  test('replaceTier with the same runner, or a tier that does not exist, changes nothing', async () => {
    const runner = new FakeRunner([]);
    const { clock, stage } = rig([{ runner }]);
    stage.push(frame(0, clock, flat(90)));
    runner.answerRegions(0, 150);
    await flushMicrotasks();
    stage.replaceTier?.(0, { runner });
    stage.replaceTier?.(3, { runner: new FakeRunner([], 'other') });
    stage.push(frame(1, clock, flat(90)));
    expect(runner.regionCalls).toHaveLength(1);
    expect(stage.stats().tilesReused).toBe(8);
  });

  test('order is kept when later frames finish first, one out per one in', async () => {
    const runner = new FakeRunner([], 'fake', 2);
    const { clock, stage, out } = rig([{ runner }]);
    for (let i = 0; i < 3; i++) stage.push(frame(i, clock, flat(10 + i)));
    const calls = runner.regionCalls.length;
    for (let k = calls - 1; k >= 0; k--) runner.answerRegions(k, 100 + k);
    await flushMicrotasks();
    expect(out.map((f) => f.seq)).toEqual([0, 1, 2]);
  });

  test('model errors: the tiles take bicubic (model_error); a streak rests the tier, then it is tried again', async () => {
    const runner = new FakeRunner([]);
    const { clock, stage, out } = rig([{ runner }]);
    for (let i = 0; i < 3; i++) {
      stage.push(frame(i, clock, flat(10 + i)));
      runner.failRegions(i);
      await flushMicrotasks();
    }
    expect(out.map((f) => f.reason)).toEqual(['model_error', 'model_error', 'model_error']);
    stage.push(frame(3, clock, flat(20)));
    expect(runner.regionCalls).toHaveLength(3); // resting
    expect(out[3]?.reason).toBe('model_error');
    clock.advance(1_100);
    stage.push(frame(4, clock, flat(21)));
    expect(runner.regionCalls).toHaveLength(4);
  });

  test('no tiers: every frame bicubic (no_model), emitted at once', () => {
    const { clock, stage, out } = rig([]);
    stage.push(frame(0, clock, flat(90)));
    expect(out.map((f) => [f.path, f.reason, f.modelShare])).toEqual([['bicubic', 'no_model', 0]]);
  });

  test('frames with requests out at maxInFlight: the next frame stays bicubic (queue_full)', () => {
    const runner = new FakeRunner([]);
    const { clock, stage, out } = rig([{ runner }], { maxInFlight: 1 });
    stage.push(frame(0, clock, flat(1)));
    stage.push(frame(1, clock, flat(2)));
    expect(runner.regionCalls).toHaveLength(1);
    runner.answerRegions(0);
    void out;
  });

  test('tier choice: a big model that covers a fraction loses to a small one that covers everything', async () => {
    const clock = new FakeClock();
    // big: 1 ms per pixel at 2 workers covers ~2 % of a 2048-pixel frame at 30 fps; small: 0.001 ms covers all
    const big = new TimedRunner(clock, (px) => px * 1, undefined, [], 'big', 2);
    const small = new TimedRunner(clock, (px) => px * 0.001, undefined, [], 'small', 2);
    const stage = createUpscaleStage({
      mode: 'deadline',
      scale: 2,
      latencyBudgetMs: 200,
      tiers: [
        { runner: big, gain: 3 },
        { runner: small, gain: 2.4 },
      ],
      clock,
      tileSize: TILE,
      log: silentLogger,
    });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    const warm = stage.warmUp(G);
    await runUntil(clock, 20_000);
    await warm;
    for (let i = 0; i < 30; i++) {
      stage.push(frame(i, clock, (x, y) => (x * 7 + y * 3 + i) & 255, 200));
      await runUntil(clock, clock.now() + 33);
    }
    await runUntil(clock, clock.now() + 1_000);
    const last = out.slice(-10);
    expect(last.every((f) => f.model === 'small' && f.modelShare === 1)).toBe(true);
  });

  test('close drops what is queued, ignores later results and does not close the runner', async () => {
    const runner = new FakeRunner([]);
    const { clock, stage, out } = rig([{ runner }]);
    stage.push(frame(0, clock, flat(5)));
    const flushed = stage.flush();
    stage.close();
    stage.close();
    await flushed;
    runner.answerRegions(0);
    await flushMicrotasks();
    expect(out).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a malformed frame still yields one (black) frame in order', () => {
    const { clock, stage, out } = rig([]);
    const bad = { ...frame(0, clock, flat(1)), data: new Uint8Array(10) };
    stage.push(bad);
    stage.push(frame(1, clock, flat(1)));
    expect(out.map((f) => f.seq)).toEqual([0, 1]);
    expect(lumaOf(out[0] as UpscaledFrame).every((b) => b === 0)).toBe(true);
  });
});

import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { frameGeometry, type Frame, type UpscaledFrame } from './frame.js';
import { FakeClock, TimedRunner, runUntil } from './stage-test-kit.js';
import { UpscaleStage } from './upscale-stage.js';

const G = frameGeometry(8, 6);
const BUDGET = 100;

function frame(seq: number, now: number): Frame {
  const data = new Uint8Array(G.frameSize).fill(50);
  data[0] = seq & 255;
  return { seq, pts: seq / 30, arrivedAt: now, deadline: now + BUDGET, geometry: G, data };
}

/** label names an output frame's path: the model that made it, or 'bicubic'. */
const label = (f: UpscaledFrame): string => f.model ?? f.path;

/**
 * drive pushes `n` frames every `interval` ms with the model ('timed') taking service() each;
 * with `small`, a cheaper fallback model ('small') sits between it and bicubic (the ladder).
 */
async function drive(service: (call: number, now: number) => number, n: number, interval: number, hysteresis: boolean, small?: (now: number) => number) {
  const clock = new FakeClock();
  let calls = 0;
  const runner = new TimedRunner(clock, () => service(calls++, clock.now()), () => false, [20, 20, 20]);
  const below = small ? new TimedRunner(clock, () => small(clock.now()), () => false, [5, 5, 5], 'small') : null;
  const stage = new UpscaleStage({
    scale: 2,
    latencyBudgetMs: BUDGET,
    runner,
    fallbackRunner: below,
    clock,
    maxInFlight: 2,
    hysteresis: hysteresis ? { dwellMs: 300, headroom: 0.25, probeIntervalMs: 100 } : false,
    log: silentLogger,
  });
  const out: UpscaledFrame[] = [];
  stage.onOutput((f) => out.push(f));
  await stage.warmUp(G);
  for (let seq = 0; seq < n; seq++) {
    stage.push(frame(seq, clock.now()));
    await runUntil(clock, clock.now() + interval);
  }
  await runUntil(clock, clock.now() + 10_000);
  const transitions = out.slice(1).filter((f, i) => label(f) !== label(out[i] as UpscaledFrame)).length;
  return { out, stats: stage.stats(), transitions };
}

describe('UpscaleStage hysteresis', () => {
  // A model that can almost keep up (38 ms per frame, a frame every 33 ms): without hysteresis
  // the in-flight cap forces a bicubic frame every few frames.
  const almost = () => 38;

  test('a model that cannot keep up with the frame rate: one change to bicubic instead of a pulse every few frames', async () => {
    const plain = await drive(almost, 300, 33, false);
    const held = await drive(almost, 300, 33, true);
    expect(plain.transitions).toBeGreaterThan(40);
    expect(held.transitions).toBe(1);
    expect(held.stats.pathSwitches).toBe(held.transitions);
    expect(held.stats.held).toBeGreaterThan(0);
    // Still one out per in, in order, on time.
    expect(held.out.map((f) => f.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const f of held.out) expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
  });

  test('a slow spell moves the stream to bicubic; probes see the model recover and it comes back', async () => {
    // From 150 ms to 3 s every request takes 400 ms (a stall), otherwise 15 ms.
    const spell = (_call: number, now: number) => (now >= 150 && now < 3_000 ? 400 : 15);
    const r = await drive(spell, 600, 33, true);
    const paths = r.out.map((f) => f.path);
    expect(paths.slice(0, 5)).toEqual(['model', 'model', 'model', 'model', 'model']);
    expect(paths).toContain('bicubic');
    expect(paths.slice(-30).every((p) => p === 'model')).toBe(true);
    expect(r.stats.probes).toBeGreaterThan(0);
    expect(r.transitions).toBeLessThanOrEqual(4);
  });

  test('a model that keeps up but sometimes exceeds the budget: premature returns double the dwell', async () => {
    // Every 40th call stalls for 250 ms (past the 100 ms budget); otherwise 12 ms.
    const r = await drive((call) => (call % 40 === 39 ? 250 : 12), 900, 33, true);
    const plain = await drive((call) => (call % 40 === 39 ? 250 : 12), 900, 33, false);
    expect(r.transitions).toBeLessThan(plain.transitions);
    expect(r.stats.byPath.model).toBeGreaterThan(450);
    for (const f of r.out) expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
  });

  test('on the model path with room to spare nothing changes', async () => {
    const r = await drive(() => 10, 100, 33, true);
    expect(r.out.every((f) => f.path === 'model')).toBe(true);
    expect(r.stats).toMatchObject({ pathSwitches: 0, held: 0, probes: 0 });
  });
});

describe('UpscaleStage model ladder (model, smaller model, bicubic)', () => {
  test('a model that cannot keep up: the stream settles on the smaller model, not on bicubic', async () => {
    const r = await drive(() => 38, 300, 33, true, () => 8);
    expect(r.out.map((f) => f.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const f of r.out) expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
    expect(r.out.every((f) => f.path === 'model')).toBe(true); // every frame through a model
    expect(r.stats.byModel['small']).toBeGreaterThan(250);
    expect(r.stats.byModel['timed'] ?? 0).toBeLessThan(50);
    expect(r.transitions).toBe(1); // big -> small once, then steady
    expect(r.stats.pathSwitches).toBe(1);
    expect(r.stats.probes).toBeGreaterThan(0); // the big model is still probed
    expect(r.stats.byPath.model).toBe((r.stats.byModel['timed'] ?? 0) + (r.stats.byModel['small'] ?? 0));
  });

  test('the big model recovers after a slow spell: the stream steps back up to it', async () => {
    const r = await drive((_call, now) => (now >= 150 && now < 3_000 ? 400 : 15), 600, 33, true, () => 8);
    const labels = r.out.map(label);
    expect(labels.slice(0, 4)).toEqual(['timed', 'timed', 'timed', 'timed']);
    expect(labels).toContain('small');
    expect(labels.slice(-30).every((l) => l === 'timed')).toBe(true);
    expect(labels.filter((l) => l === 'bicubic').length).toBeLessThan(5);
    expect(r.transitions).toBeLessThanOrEqual(4);
  });

  test('neither model keeps up: down the ladder to bicubic, one rung at a time', async () => {
    const r = await drive(() => 300, 200, 33, true, () => 250);
    const labels = r.out.map(label);
    expect(labels.slice(-100).every((l) => l === 'bicubic')).toBe(true);
    for (const f of r.out) expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
    expect(r.stats.pathSwitches).toBeGreaterThanOrEqual(2);
  });

  test('frames held upstream (during warm-up) take what still fits without moving the stream down', async () => {
    const clock = new FakeClock();
    const top = new TimedRunner(clock, () => 10, () => false, [10, 10, 10], 'big');
    const stage = new UpscaleStage({ scale: 2, latencyBudgetMs: BUDGET, runner: top, clock, maxInFlight: 2, hysteresis: { dwellMs: 300 }, log: silentLogger });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    await stage.warmUp(G);
    // Ten frames that arrived 150 ms ago (their 100 ms budget is gone), two that arrived 60 ms ago
    // (40 ms left: enough for the 10 ms model, one at a time), then ten on time.
    for (let seq = 0; seq < 10; seq++) stage.push(frame(seq, clock.now() - 150));
    stage.push(frame(10, clock.now() - 60));
    stage.push(frame(11, clock.now() - 60));
    expect(stage.stats().pathSwitches).toBe(0);
    for (let seq = 12; seq < 22; seq++) {
      await runUntil(clock, clock.now() + 33);
      stage.push(frame(seq, clock.now()));
    }
    await runUntil(clock, clock.now() + 1_000);
    expect(out.slice(0, 10).every((f) => f.path === 'bicubic' && f.reason === 'predicted_late')).toBe(true);
    expect(out.slice(10, 12).map((f) => f.path)).toEqual(['model', 'model']);
    expect(out.slice(12).every((f) => f.path === 'model')).toBe(true); // no dwell on bicubic after them
    expect(stage.stats().pathSwitches).toBe(0);
  });

  test('a burst of frames on time (the decoder catching up) overflows to the rungs below for those frames only', async () => {
    const clock = new FakeClock();
    const top = new TimedRunner(clock, () => 10, () => false, [10, 10, 10], 'big');
    const below = new TimedRunner(clock, () => 2, () => false, [2, 2, 2], 'small');
    const stage = new UpscaleStage({ scale: 2, latencyBudgetMs: BUDGET, runner: top, fallbackRunner: below, clock, maxInFlight: 2, hysteresis: { dwellMs: 300 }, log: silentLogger });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    await stage.warmUp(G);
    for (let seq = 0; seq < 6; seq++) stage.push(frame(seq, clock.now())); // six at once, each with its full budget
    for (let seq = 6; seq < 20; seq++) {
      await runUntil(clock, clock.now() + 33);
      stage.push(frame(seq, clock.now()));
    }
    await runUntil(clock, clock.now() + 1_000);
    expect(out.slice(0, 6).map((f) => f.model ?? f.reason)).toEqual(['big', 'big', 'small', 'small', 'queue_full', 'queue_full']);
    expect(out.slice(6).every((f) => f.model === 'big')).toBe(true);
    expect(stage.stats().pathSwitches).toBe(0);
  });

  test('without hysteresis each frame takes the best rung that fits', async () => {
    const r = await drive(() => 38, 300, 33, false, () => 8);
    expect(r.out.every((f) => f.path === 'model')).toBe(true);
    expect(r.stats.byModel['timed']).toBeGreaterThan(100); // alternates: what hysteresis avoids
    expect(r.stats.byModel['small']).toBeGreaterThan(20);
  });
});


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

/** drive pushes `n` frames every `interval` ms with the model taking service() each. */
async function drive(service: (call: number, now: number) => number, n: number, interval: number, hysteresis: boolean) {
  const clock = new FakeClock();
  let seq = 0;
  let calls = 0;
  const runner = new TimedRunner(clock, () => service(calls++, clock.now()), () => false, [20, 20, 20]);
  const stage = new UpscaleStage({
    scale: 2,
    latencyBudgetMs: BUDGET,
    runner,
    clock,
    maxInFlight: 2,
    hysteresis: hysteresis ? { dwellMs: 300, headroom: 0.25, probeIntervalMs: 100 } : false,
    log: silentLogger,
  });
  const out: UpscaledFrame[] = [];
  stage.onOutput((f) => out.push(f));
  await stage.warmUp(G);
  for (; seq < n; seq++) {
    stage.push(frame(seq, clock.now()));
    await runUntil(clock, clock.now() + interval);
  }
  await runUntil(clock, clock.now() + 10_000);
  const transitions = out.slice(1).filter((f, i) => f.path !== (out[i] as UpscaledFrame).path).length;
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

import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { upscaleFrameBicubic } from './bicubic.js';
import { frameGeometry, type Frame, type UpscaledFrame } from '../media/frame.js';
import { FakeClock, FakeRunner } from '../../test/helpers/stage-kit.js';
import { createUpscaleStage } from './upscale-stage.js';

const G = frameGeometry(9, 5);
const OUT = frameGeometry(18, 10);

function frame(seq: number, clock: FakeClock): Frame {
  const data = new Uint8Array(G.frameSize).map((_, i) => (i * 31 + seq * 17) & 255);
  // A deadline already in the past: quality mode must ignore it.
  return { seq, pts: seq / 30, arrivedAt: clock.now(), deadline: clock.now() - 1, geometry: G, data };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

function rig(opts: { maxInFlight?: number; runner?: null } = {}) {
  const clock = new FakeClock();
  const runner = new FakeRunner([500, 500, 500]);
  const stage = createUpscaleStage({
    scale: 2,
    runner: opts.runner === null ? null : runner,
    mode: 'quality',
    clock,
    maxInFlight: opts.maxInFlight ?? 3,
    log: silentLogger,
  });
  const out: UpscaledFrame[] = [];
  stage.onOutput((f) => out.push(f));
  return { clock, runner, stage, out };
}

describe('UpscaleStage quality mode', () => {
  test('every frame goes through the model however slow it is; no timers, no deadline fallback', async () => {
    const { clock, runner, stage, out } = rig();
    await stage.warmUp(G); // a 500 ms warm-up figure would be predicted_late in deadline mode
    stage.push(frame(0, clock));
    expect(runner.calls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10_000);
    expect(out).toHaveLength(0);
    runner.answer(0, 77);
    await settle();
    expect(out.map((f) => f.path)).toEqual(['model']);
    expect(out[0]?.data.subarray(0, OUT.lumaSize).every((b) => b === 77)).toBe(true);
  });

  test('at most maxInFlight frames at the model; the rest wait and go in order as slots free', async () => {
    const { clock, runner, stage, out } = rig({ maxInFlight: 2 });
    for (let i = 0; i < 5; i++) stage.push(frame(i, clock));
    expect(runner.calls).toHaveLength(2);
    runner.answer(1);
    await settle();
    expect(runner.calls).toHaveLength(3); // frame 2 took the freed slot
    expect(out).toHaveLength(0); // frame 0 still at the model: order holds
    runner.answer(0);
    await settle();
    expect(out.map((f) => f.seq)).toEqual([0, 1]);
    expect(runner.calls).toHaveLength(4);
    runner.answer(3);
    runner.answer(2);
    await settle();
    runner.answer(4);
    await stage.flush();
    expect(out.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(out.every((f) => f.path === 'model')).toBe(true);
    expect(runner.calls.map((c) => c.y[0])).toEqual([0, 1, 2, 3, 4].map((s) => frame(s, clock).data[0]));
  });

  test('whenReady waits while maxInFlight frames are held and resolves when one leaves', async () => {
    const { clock, runner, stage } = rig({ maxInFlight: 2 });
    await stage.whenReady();
    stage.push(frame(0, clock));
    await stage.whenReady();
    stage.push(frame(1, clock));
    let ready = false;
    const p = stage.whenReady().then(() => (ready = true));
    await settle();
    expect(ready).toBe(false);
    runner.answer(1); // out of order: frame 1 cannot leave before frame 0, so still 2 held
    await settle();
    expect(ready).toBe(false);
    runner.answer(0);
    await p;
    expect(ready).toBe(true);
  });

  test('a model error takes bicubic (model_error) for that frame only; no back-off after repeated errors', async () => {
    const { clock, runner, stage, out } = rig({ maxInFlight: 8 });
    for (let i = 0; i < 5; i++) stage.push(frame(i, clock));
    for (let i = 0; i < 4; i++) runner.fail(i);
    await settle();
    stage.push(frame(5, clock));
    expect(runner.calls).toHaveLength(6); // still asked after 4 failures in a row
    runner.answer(4);
    runner.answer(5);
    await stage.flush();
    expect(out.map((f) => (f.path === 'model' ? 'model' : f.reason))).toEqual([
      'model_error',
      'model_error',
      'model_error',
      'model_error',
      'model',
      'model',
    ]);
    const f0 = frame(0, clock);
    expect(out[0]?.data).toEqual(upscaleFrameBicubic(f0.data, G, 2));
    const st = stage.stats();
    expect(st.fallbacks.model_error).toBe(4);
    expect(st.byPath).toEqual({ model: 2, bicubic: 4 });
  });

  test('a driver loop with whenReady keeps order and one out per in under random completion order', async () => {
    const { clock, runner, stage, out } = rig({ maxInFlight: 3 });
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const answered = new Set<number>();
    let maxHeld = 0;
    const answerSome = async () => {
      const open = runner.calls.map((_, i) => i).filter((i) => !answered.has(i));
      for (const i of open) {
        if (rand() < 0.5) {
          answered.add(i);
          runner.answer(i);
        }
      }
      await settle();
    };
    for (let i = 0; i < 40; i++) {
      let waited = stage.whenReady();
      while (stage.stats().framesIn - out.length >= 3) {
        await answerSome();
        waited = stage.whenReady();
      }
      await waited;
      stage.push(frame(i, clock));
      maxHeld = Math.max(maxHeld, stage.stats().framesIn - out.length);
    }
    while (out.length < 40) await answerSome();
    await stage.flush();
    expect(maxHeld).toBeLessThanOrEqual(3);
    expect(out.map((f) => f.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(out.every((f) => f.path === 'model' && f.geometry.width === OUT.width)).toBe(true);
  });

  test('no runner: bicubic no_model, whenReady never blocks', async () => {
    const { clock, stage, out } = rig({ runner: null, maxInFlight: 1 });
    for (let i = 0; i < 3; i++) {
      await stage.whenReady();
      stage.push(frame(i, clock));
    }
    expect(out.map((f) => f.reason)).toEqual(['no_model', 'no_model', 'no_model']);
  });

  test('close releases whenReady and drops waiting frames', async () => {
    const { clock, runner, stage, out } = rig({ maxInFlight: 1 });
    stage.push(frame(0, clock));
    stage.push(frame(1, clock));
    const ready = stage.whenReady();
    stage.close();
    await ready;
    runner.answer(0);
    await settle();
    expect(runner.calls).toHaveLength(1);
    expect(out).toHaveLength(0);
  });

  test('deadline mode: whenReady resolves at once, with frames held at the model beyond maxInFlight', async () => {
    const clock = new FakeClock();
    const runner = new FakeRunner();
    const stage = createUpscaleStage({
      mode: 'deadline',
      scale: 2,
      latencyBudgetMs: 100,
      tiers: [{ runner }],
      clock,
      maxInFlight: 1,
      log: silentLogger,
    });
    stage.push({ ...frame(0, clock), deadline: 100 });
    stage.push({ ...frame(1, clock), deadline: 100 });
    expect(runner.regionCalls).toHaveLength(1); // frame 0 holds the only slot
    let ready = false;
    void stage.whenReady().then(() => (ready = true));
    await settle();
    expect(ready).toBe(true);
    stage.close();
  });
});

/**
 * Property tests of both stages on a fake clock with random inference costs, failures, frame
 * rates, budgets, in-flight caps and static spells (seeded, so a failure names its seed and
 * reproduces). Deadline mode: order kept, one out per in, never past the deadline (the bicubic
 * fallback costs no fake time here), counters add up, and every output pixel belongs to its own
 * frame: each frame is one grey level (repeated for a few frames at a time, so tiles are reused),
 * the fake models fill with the input, so any stale tile, or one from another frame, would show.
 */
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { frameGeometry, type Frame, type UpscaledFrame } from '../media/frame.js';
import { FakeClock, TimedRunner, runUntil, seededRandom } from '../../test/helpers/stage-kit.js';
import { createUpscaleStage } from './upscale-stage.js';

const G = frameGeometry(40, 24);
const OUT = frameGeometry(80, 48);

function frame(seq: number, value: number, now: number, budget: number): Frame {
  const data = new Uint8Array(G.frameSize).fill(value);
  return { seq, pts: seq / 30, arrivedAt: now, deadline: now + budget, geometry: G, data };
}

interface Scenario {
  readonly seed: number;
  readonly frames: number;
  readonly intervalMs: number;
  readonly budgetMs: number;
  readonly maxInFlight: number;
  readonly hysteresis: boolean;
  readonly two: boolean;
  readonly staticRun: number;
  readonly workers: number;
}

function scenario(seed: number): Scenario & { perPixel: (px: number) => number; small: (px: number) => number; fails: () => boolean } {
  const r = seededRandom(seed);
  const base = 0.001 + r() * 0.1;
  const spread = r() * 3;
  const failRate = r() < 0.3 ? r() * 0.2 : 0;
  const cost = (scale: number) => (px: number) => 0.3 + px * base * scale * (1 + spread * r() * r()) * (r() < 0.03 ? 5 : 1);
  return {
    seed,
    frames: 40 + Math.floor(r() * 60),
    intervalMs: 10 + r() * 40,
    budgetMs: 20 + r() * 250,
    maxInFlight: 1 + Math.floor(r() * 6),
    hysteresis: r() < 0.5,
    two: r() < 0.5,
    staticRun: 1 + Math.floor(r() * 6),
    workers: 1 + Math.floor(r() * 2),
    perPixel: cost(1),
    small: cost(0.2),
    fails: () => r() < failRate,
  };
}

const SEEDS = Array.from({ length: 120 }, (_, i) => i + 1);

describe('UpscaleStage properties (deadline mode, per tile)', () => {
  test.each(SEEDS)('seed %i: in order, one out per in, never past the deadline, every pixel its own frame', async (seed) => {
    const s = scenario(seed);
    const clock = new FakeClock();
    const big = new TimedRunner(clock, s.perPixel, s.fails, [], 'big', s.workers);
    const small = new TimedRunner(clock, s.small, s.fails, [], 'small', s.workers);
    const stage = createUpscaleStage({
      mode: 'deadline',
      scale: 2,
      latencyBudgetMs: s.budgetMs,
      tiers: s.two
        ? [
            { runner: big, gain: 3 },
            { runner: small, gain: 2.4 },
          ]
        : [{ runner: big }],
      clock,
      tileSize: 16,
      maxInFlight: s.maxInFlight,
      hysteresis: s.hysteresis,
      log: silentLogger,
    });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    const values: number[] = [];
    for (let i = 0; i < s.frames; i++) {
      const v = 20 + (Math.floor(i / s.staticRun) % 200);
      values.push(v);
      stage.push(frame(i, v, clock.now(), s.budgetMs));
      await runUntil(clock, clock.now() + s.intervalMs);
    }
    await runUntil(clock, clock.now() + s.budgetMs + 10_000);
    await stage.flush();

    expect(out.map((f) => f.seq)).toEqual(Array.from({ length: s.frames }, (_, i) => i));
    for (const f of out) {
      expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
      expect(f.data.length).toBe(OUT.frameSize);
      expect(f.modelShare).toBeGreaterThanOrEqual(0);
      expect(f.modelShare).toBeLessThanOrEqual(1);
      expect(f.reason === undefined).toBe(f.modelShare === 1);
      expect(f.path).toBe(f.modelShare >= 0.5 ? 'model' : 'bicubic');
      const v = values[f.seq] as number;
      expect(f.data.subarray(0, OUT.lumaSize).every((b) => b === v)).toBe(true);
    }
    const st = stage.stats();
    expect(st.framesIn).toBe(s.frames);
    expect(st.framesOut).toBe(s.frames);
    expect(st.byPath.model + st.byPath.bicubic).toBe(s.frames);
    expect(st.modelShareHistogram.reduce((a, b) => a + b, 0)).toBe(s.frames);
    expect(Object.values(st.byModel).reduce((a, b) => a + b, 0)).toBe(st.byPath.model);
    if (!s.two) expect(out.every((f) => f.model === undefined || f.model === 'big')).toBe(true);
    stage.close();
  });
});

describe('UpscaleStage properties (quality mode)', () => {
  test.each(SEEDS.slice(0, 60))('seed %i: every frame through the model unless it failed, in order, bounded', async (seed) => {
    const s = scenario(seed);
    const clock = new FakeClock();
    const runner = new TimedRunner(clock, s.perPixel, s.fails);
    const stage = createUpscaleStage({ mode: 'quality', scale: 2, runner, clock, maxInFlight: s.maxInFlight, log: silentLogger });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    let maxHeld = 0;
    for (let i = 0; i < s.frames; i++) {
      let ready = false;
      void stage.whenReady().then(() => (ready = true));
      await runUntil(clock, clock.now());
      while (!ready) await runUntil(clock, (clock.nextTimerAt() ?? clock.now()) + 0);
      stage.push(frame(i, i & 255, clock.now(), 0));
      maxHeld = Math.max(maxHeld, stage.stats().framesIn - out.length);
    }
    while (out.length < s.frames) await runUntil(clock, clock.nextTimerAt() ?? clock.now() + 1);
    await stage.flush();
    expect(maxHeld).toBeLessThanOrEqual(s.maxInFlight);
    expect(out.map((f) => f.seq)).toEqual(Array.from({ length: s.frames }, (_, i) => i));
    for (const f of out) {
      if (f.path === 'model') expect(f.data[0]).toBe(f.seq & 255);
      else expect(f.reason).toBe('model_error');
    }
    expect(runner.calls).toBe(s.frames);
    stage.close();
  });
});

/**
 * Property tests of the stage on a fake clock with random inference delays, failures, frame
 * rates, budgets and in-flight caps (seeded, so a failure names its seed and reproduces):
 * order kept, one out per in, no frame later than its deadline (the bicubic fallback costs no
 * fake time, so the allowance for it is 0 here), counters add up, and every model frame carries
 * its own frame's result. Half the deadline-mode scenarios run a model ladder (a second, cheaper
 * runner between the model and bicubic).
 */
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { frameGeometry, type Frame, type UpscaledFrame } from './frame.js';
import { FakeClock, TimedRunner, runUntil, seededRandom } from './stage-test-kit.js';
import { UpscaleStage } from './upscale-stage.js';

const G = frameGeometry(8, 6);

function frame(seq: number, now: number, budget: number): Frame {
  const data = new Uint8Array(G.frameSize).fill(77);
  data[0] = seq & 255;
  return { seq, pts: seq / 30, arrivedAt: now, deadline: now + budget, geometry: G, data };
}

interface Scenario {
  readonly seed: number;
  readonly frames: number;
  readonly intervalMs: number;
  readonly budgetMs: number;
  readonly maxInFlight: number;
  readonly hysteresis: boolean;
  /** A cheaper fallback model's base service time, or null for one model only. */
  readonly ladderBase: number | null;
}

function scenario(seed: number): Scenario & { service: () => number; smallService: () => number; fails: () => boolean; warm: number[] } {
  const r = seededRandom(seed);
  const base = 5 + r() * 80;
  const spread = r() * 3;
  const failRate = r() < 0.3 ? r() * 0.2 : 0;
  const ladderBase = r() < 0.5 ? base * (0.1 + 0.5 * r()) : null;
  return {
    seed,
    frames: 60 + Math.floor(r() * 90),
    intervalMs: 10 + r() * 40,
    budgetMs: 30 + r() * 250,
    maxInFlight: 1 + Math.floor(r() * 6),
    hysteresis: r() < 0.5,
    // Mostly around `base`, with occasional stalls of several times it.
    service: () => base * (1 + spread * r() * r()) * (r() < 0.03 ? 5 : 1),
    fails: () => r() < failRate,
    warm: r() < 0.2 ? [] : [base, base, base],
    ladderBase,
    smallService: () => (ladderBase ?? 1) * (1 + spread * r() * r()) * (r() < 0.03 ? 5 : 1),
  };
}

const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

describe('UpscaleStage properties (deadline mode)', () => {
  test.each(SEEDS)('seed %i: in order, one out per in, never past the deadline, counters add up', async (seed) => {
    const s = scenario(seed);
    const clock = new FakeClock();
    const runner = new TimedRunner(clock, s.service, s.fails, s.warm);
    const small = s.ladderBase === null ? null : new TimedRunner(clock, s.smallService, s.fails, [], 'small');
    const stage = new UpscaleStage({
      scale: 2,
      latencyBudgetMs: s.budgetMs,
      runner,
      fallbackRunner: small,
      clock,
      maxInFlight: s.maxInFlight,
      hysteresis: s.hysteresis ? { dwellMs: 200, probeIntervalMs: 100 } : false,
      log: silentLogger,
    });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    await stage.warmUp(G);
    for (let i = 0; i < s.frames; i++) {
      stage.push(frame(i, clock.now(), s.budgetMs));
      await runUntil(clock, clock.now() + s.intervalMs);
    }
    await runUntil(clock, clock.now() + s.budgetMs + 10_000);
    await stage.flush();

    expect(out.map((f) => f.seq)).toEqual(Array.from({ length: s.frames }, (_, i) => i));
    for (const f of out) {
      expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
      expect(f.geometry.width).toBe(16);
      expect(f.data.length).toBe(frameGeometry(16, 12).frameSize);
      expect(f.path === 'bicubic').toBe(f.reason !== undefined);
      if (f.path === 'model') expect(f.data[0]).toBe(f.seq & 255);
    }
    const st = stage.stats();
    expect(st.framesIn).toBe(s.frames);
    expect(st.framesOut).toBe(s.frames);
    expect(st.byPath.model + st.byPath.bicubic).toBe(s.frames);
    expect(Object.values(st.fallbacks).reduce((a, b) => a + b, 0)).toBe(st.byPath.bicubic);
    expect(st.byPath.model).toBe(out.filter((f) => f.path === 'model').length);
    expect(Object.values(st.byModel).reduce((a, b) => a + b, 0)).toBe(st.byPath.model);
    for (const f of out) if (f.path === 'model') expect(['timed', 'small']).toContain(f.model);
    if (!small) expect(out.every((f) => f.path === 'bicubic' || f.model === 'timed')).toBe(true);
    // Held frames are on a lower rung than the scheduler alone would pick: bicubic, or the small model.
    expect(st.held).toBeLessThanOrEqual(st.fallbacks.predicted_late + (st.byModel['small'] ?? 0));
    if (!s.hysteresis) expect(st.held + st.probes + st.pathSwitches).toBe(0);
    // Every model call was for a frame or a probe: model frames and late results asked once each;
    // model_error frames at most once (during an error back-off they are not asked at all).
    const calls = runner.calls + (small?.calls ?? 0);
    expect(calls).toBeGreaterThanOrEqual(st.byPath.model + st.fallbacks.late_result + st.probes);
    expect(calls).toBeLessThanOrEqual(st.byPath.model + st.fallbacks.late_result + st.probes + st.fallbacks.model_error);
    stage.close();
  });
});

describe('UpscaleStage properties (quality mode)', () => {
  test.each(SEEDS.slice(0, 60))('seed %i: every frame through the model unless it failed, in order, bounded', async (seed) => {
    const s = scenario(seed);
    const clock = new FakeClock();
    const runner = new TimedRunner(clock, s.service, s.fails);
    const stage = new UpscaleStage({ scale: 2, latencyBudgetMs: 1, runner, clock, mode: 'quality', maxInFlight: s.maxInFlight, log: silentLogger });
    const out: UpscaledFrame[] = [];
    stage.onOutput((f) => out.push(f));
    let maxHeld = 0;
    for (let i = 0; i < s.frames; i++) {
      let ready = false;
      void stage.whenReady().then(() => (ready = true));
      await runUntil(clock, clock.now());
      while (!ready) await runUntil(clock, (clock.nextTimerAt() ?? clock.now()) + 0);
      stage.push(frame(i, clock.now(), 0));
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

import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { upscaleChromaBicubic, upscaleFrameBicubic } from './bicubic.js';
import { frameGeometry, type Frame, type FrameGeometry, type UpscaledFrame } from './frame.js';
import { FakeClock, FakeRunner } from './stage-test-kit.js';
import { UpscaleStage, type UpscaleStageOptions } from './upscale-stage.js';

const G = frameGeometry(9, 5);
const OUT = frameGeometry(18, 10);
const BUDGET = 100;

function frame(seq: number, clock: FakeClock, g: FrameGeometry = G): Frame {
  const data = new Uint8Array(g.frameSize).map((_, i) => (i * 31 + seq * 17) & 255);
  return { seq, pts: seq / 30, arrivedAt: clock.now(), deadline: clock.now() + BUDGET, geometry: g, data };
}

/** settle lets promise callbacks (model completions) run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

interface Rig {
  clock: FakeClock;
  runner: FakeRunner;
  stage: UpscaleStage;
  out: UpscaledFrame[];
  observed: { seq: number; stageMs: number }[];
  inferences: number[];
}

/** rig builds a stage over a fake clock and runner; warm = the runner's warm-up round trips. */
async function rig(opts: { warm?: number[]; maxInFlight?: number; runner?: null; hysteresis?: UpscaleStageOptions['hysteresis'] } = {}): Promise<Rig> {
  const clock = new FakeClock();
  const runner = new FakeRunner(opts.warm ?? [20, 20, 20]);
  const observed: { seq: number; stageMs: number }[] = [];
  const inferences: number[] = [];
  const o: UpscaleStageOptions = {
    scale: 2,
    latencyBudgetMs: BUDGET,
    runner: opts.runner === null ? null : runner,
    clock,
    maxInFlight: opts.maxInFlight ?? 4,
    // These tests pin the per-frame decision; hysteresis has its own (upscale-stage-hysteresis.test.ts).
    hysteresis: opts.hysteresis ?? false,
    log: silentLogger,
    observer: { onFrame: (f, stageMs) => observed.push({ seq: f.seq, stageMs }), onInference: (ms) => inferences.push(ms) },
  };
  const stage = new UpscaleStage(o);
  const out: UpscaledFrame[] = [];
  stage.onOutput((f) => out.push(f));
  await stage.warmUp(G);
  return { clock, runner, stage, out, observed, inferences };
}

const pathOf = (f: UpscaledFrame) => (f.path === 'model' ? 'model' : `bicubic:${f.reason}`);

describe('UpscaleStage decisions', () => {
  test('fits the deadline -> model Y + bicubic U/V, emitted when the result lands', async () => {
    const { clock, runner, stage, out } = await rig();
    const f = frame(0, clock);
    stage.push(f);
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]?.y).toEqual(f.data.subarray(0, G.lumaSize));
    expect(out).toHaveLength(0);
    clock.advance(30);
    runner.answer(0, 200);
    await settle();
    expect(out.map(pathOf)).toEqual(['model']);
    const o = out[0] as UpscaledFrame;
    expect(o.geometry).toEqual(OUT);
    expect(o.emittedAt).toBe(30);
    expect(o.data.subarray(0, OUT.lumaSize).every((b) => b === 200)).toBe(true);
    const chroma = upscaleChromaBicubic(f.data, G, 2, new Uint8Array(OUT.frameSize));
    expect(o.data.subarray(OUT.lumaSize)).toEqual(chroma.subarray(OUT.lumaSize));
  });

  test('would be late -> bicubic predicted_late at once, the model is not asked', async () => {
    const { clock, runner, stage, out } = await rig({ warm: [150, 150, 150] });
    const f = frame(0, clock);
    stage.push(f);
    expect(runner.calls).toHaveLength(0);
    expect(out.map(pathOf)).toEqual(['bicubic:predicted_late']);
    expect(out[0]?.data).toEqual(upscaleFrameBicubic(f.data, G, 2));
    expect(out[0]?.emittedAt).toBe(0);
  });

  test('the wait behind frames in flight counts toward the prediction', async () => {
    const { clock, runner, stage, out } = await rig({ warm: [60, 60, 60] });
    stage.push(frame(0, clock)); // done at 60: fits 100
    stage.push(frame(1, clock)); // behind it: 120 > 100
    expect(runner.calls).toHaveLength(1);
    runner.answer(0);
    await settle();
    expect(out.map(pathOf)).toEqual(['model', 'bicubic:predicted_late']);
  });

  test('model error -> bicubic model_error', async () => {
    const { clock, runner, stage, out } = await rig();
    const f = frame(0, clock);
    stage.push(f);
    runner.fail(0);
    await settle();
    expect(out.map(pathOf)).toEqual(['bicubic:model_error']);
    expect(out[0]?.data).toEqual(upscaleFrameBicubic(f.data, G, 2));
  });

  test('result past the deadline -> bicubic late_result at the deadline; the late result is dropped', async () => {
    const { clock, runner, stage, out, inferences } = await rig();
    const f = frame(0, clock);
    stage.push(f);
    clock.advance(99);
    expect(out).toHaveLength(0);
    clock.advance(1);
    expect(out.map(pathOf)).toEqual(['bicubic:late_result']);
    // Bicubic takes no fake time, so "by deadline + bicubic time" is exactly the deadline here.
    expect(out[0]?.emittedAt).toBe(f.deadline);
    expect(out[0]?.data).toEqual(upscaleFrameBicubic(f.data, G, 2));
    clock.advance(50);
    runner.answer(0, 7, 123);
    await settle();
    expect(out).toHaveLength(1);
    expect(out[0]?.data[0]).not.toBe(7);
    expect(inferences).toEqual([123]); // the inference still happened and is still measured
    expect(stage.stats().fallbacks.late_result).toBe(1);
  });

  test('a busy event loop (clock.timerLagMs) starts the deadline fallback that much earlier', async () => {
    const { clock, stage, out } = await rig({ warm: [20, 20, 20] });
    (clock as FakeClock & { timerLagMs?: () => number }).timerLagMs = () => 30;
    const f = frame(0, clock);
    stage.push(f);
    clock.advance(69);
    expect(out).toHaveLength(0);
    clock.advance(1);
    expect(out.map(pathOf)).toEqual(['bicubic:late_result']);
    expect(out[0]?.emittedAt).toBe(f.deadline - 30);
  });

  test('a slow model is learned from real results, not only the warm-up', async () => {
    const { clock, runner, stage, out } = await rig({ warm: [10, 10, 10] });
    for (let i = 0; i < 10; i++) {
      stage.push(frame(i, clock));
      clock.advance(150); // each result lands after the deadline
      runner.answer(runner.calls.length - 1);
      await settle();
    }
    // Once the slow results are in, frames stop going to the model.
    expect(runner.calls.length).toBeLessThan(10);
    expect(out.slice(-3).map(pathOf)).toEqual(Array(3).fill('bicubic:predicted_late'));
  });

  test('in flight at maxInFlight -> bicubic queue_full, emitted behind the model frames', async () => {
    const { clock, runner, stage, out } = await rig({ warm: [5, 5, 5], maxInFlight: 2 });
    for (let i = 0; i < 3; i++) stage.push(frame(i, clock));
    expect(runner.calls).toHaveLength(2);
    expect(out).toHaveLength(0);
    runner.answer(0);
    runner.answer(1);
    await settle();
    expect(out.map(pathOf)).toEqual(['model', 'model', 'bicubic:queue_full']);
  });

  test('late results still hold their worker: they count toward maxInFlight', async () => {
    const { clock, runner, stage, out } = await rig({ warm: [5, 5, 5], maxInFlight: 1 });
    stage.push(frame(0, clock));
    clock.advance(BUDGET); // frame 0 leaves as late_result, its request is still out
    clock.advance(1);
    stage.push(frame(1, clock));
    expect(out.map(pathOf)).toEqual(['bicubic:late_result', 'bicubic:queue_full']);
    runner.answer(0);
    await settle();
    // The slot is free again; the 101 ms it took is now the prediction, so the next frame is
    // predicted late rather than refused for a full queue.
    stage.push(frame(2, clock));
    expect(out.map(pathOf)).toEqual(['bicubic:late_result', 'bicubic:queue_full', 'bicubic:predicted_late']);
  });

  test('no runner -> bicubic no_model', async () => {
    const { clock, stage, out } = await rig({ runner: null });
    stage.push(frame(0, clock));
    expect(out.map(pathOf)).toEqual(['bicubic:no_model']);
  });

  test('repeated model errors back off for a while, then the model is tried again', async () => {
    const { clock, runner, stage, out } = await rig();
    for (let i = 0; i < 3; i++) {
      stage.push(frame(i, clock));
      runner.fail(i);
      await settle();
    }
    stage.push(frame(3, clock));
    expect(runner.calls).toHaveLength(3);
    clock.advance(1_001);
    stage.push(frame(4, clock));
    expect(runner.calls).toHaveLength(4);
    runner.answer(3);
    await settle();
    expect(out.map(pathOf)).toEqual([...Array(4).fill('bicubic:model_error'), 'model']);
  });
});

describe('UpscaleStage ordering and accounting', () => {
  test('order is kept across mixed paths and out-of-order completions', async () => {
    const { clock, runner, stage, out } = await rig({ warm: [30, 30, 30], maxInFlight: 2 });
    stage.push(frame(0, clock)); // model, call 0
    stage.push(frame(1, clock)); // model, call 1 (done at 60)
    stage.push(frame(2, clock)); // queue_full
    runner.answer(1);
    await settle();
    expect(out).toHaveLength(0); // frame 0 still out
    runner.answer(0);
    await settle();
    expect(out.map((f) => f.seq)).toEqual([0, 1, 2]);
    expect(out.map(pathOf)).toEqual(['model', 'model', 'bicubic:queue_full']);
  });

  test('one out per one in, in order, at the output size; counters add up', async () => {
    const { clock, runner, stage, out, observed } = await rig({ warm: [20, 20, 20], maxInFlight: 3 });
    let answered = 0;
    for (let i = 0; i < 30; i++) {
      stage.push(frame(i, clock));
      clock.advance(i % 4 === 0 ? 40 : 7);
      // Answer some calls, fail some, leave some to run late; in a scrambled order.
      const open = runner.calls.length;
      for (let c = answered; c < open; c++) {
        if (c % 5 === 3) runner.fail(c);
        else if (c % 7 !== 6) runner.answer(c);
      }
      answered = open;
      await settle();
    }
    clock.advance(BUDGET);
    await stage.flush();
    expect(out.map((f) => f.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const f of out) {
      expect(f.geometry).toEqual(OUT);
      expect(f.data.length).toBe(OUT.frameSize);
      expect(f.path === 'bicubic').toBe(f.reason !== undefined);
    }
    const st = stage.stats();
    expect(st.framesIn).toBe(30);
    expect(st.framesOut).toBe(30);
    expect(st.byPath.model + st.byPath.bicubic).toBe(30);
    expect(Object.values(st.fallbacks).reduce((a, b) => a + b, 0)).toBe(st.byPath.bicubic);
    expect(st.byPath.model).toBeGreaterThan(0);
    expect(st.fallbacks.model_error).toBeGreaterThan(0);
    expect(observed.map((o) => o.seq)).toEqual(out.map((f) => f.seq));
    for (const [i, o] of observed.entries()) expect(o.stageMs).toBe((out[i] as UpscaledFrame).emittedAt - (out[i] as UpscaledFrame).arrivedAt);
    for (const f of out) expect(f.emittedAt).toBeLessThanOrEqual(f.deadline);
  });

  test('flush resolves once every pushed frame has left', async () => {
    const { clock, runner, stage, out } = await rig();
    await stage.flush(); // nothing pending
    stage.push(frame(0, clock));
    let flushed = false;
    const done = stage.flush().then(() => (flushed = true));
    await settle();
    expect(flushed).toBe(false);
    runner.answer(0);
    await done;
    expect(out).toHaveLength(1);
  });

  test('stats report stage latency percentiles', async () => {
    const { clock, runner, stage } = await rig({ warm: [5, 5, 5] });
    for (let i = 0; i < 4; i++) {
      stage.push(frame(i, clock));
      clock.advance(10 * (i + 1));
      runner.answer(i);
      await settle();
    }
    expect(stage.stats().latencyMs).toEqual({ p50: 20, p99: 40 });
  });

  test('a throwing listener does not stop the stage', async () => {
    const { clock, stage, out } = await rig({ runner: null });
    stage.onOutput(() => {
      throw new Error('listener bug');
    });
    stage.push(frame(0, clock));
    stage.push(frame(1, clock));
    expect(out).toHaveLength(2);
  });

  test('a malformed frame still yields one (black) frame in order', async () => {
    const { clock, stage, out } = await rig({ runner: null });
    stage.push({ ...frame(0, clock), data: new Uint8Array(3) });
    stage.push(frame(1, clock));
    expect(out.map((f) => f.seq)).toEqual([0, 1]);
    expect(out[0]?.data.length).toBe(OUT.frameSize);
  });

  test('close is idempotent, drops timers, releases flush, ignores later results, does not close the runner', async () => {
    const { clock, runner, stage, out } = await rig();
    let runnerClosed = false;
    runner.close = async () => {
      runnerClosed = true;
    };
    stage.push(frame(0, clock));
    const flushed = stage.flush();
    stage.close();
    stage.close();
    await flushed;
    expect(clock.pendingTimers).toBe(0);
    runner.answer(0);
    await settle();
    stage.push(frame(1, clock));
    expect(out).toHaveLength(0);
    expect(runnerClosed).toBe(false);
  });
});

import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { frameGeometry, type Frame, type UpscaledFrame } from '../media/frame.js';
import { FakeClock, FakeRunner } from '../../test/helpers/stage-kit.js';
import { createUpscaleStage } from './upscale-stage.js';
import { UpscaleChain } from './upscale-chain.js';

const g = frameGeometry(4, 2);

function frame(seq: number): Frame {
  return { seq, pts: seq / 25, arrivedAt: 0, deadline: Number.POSITIVE_INFINITY, geometry: g, data: new Uint8Array(g.frameSize).fill(seq) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('UpscaleChain (x4 as two x2 passes)', () => {
  test('every frame goes through both stages in order, each pass through the model, at x4 size', async () => {
    const runner = new FakeRunner();
    const clock = new FakeClock();
    const stage = () => createUpscaleStage({ mode: 'quality', scale: 2, runner, maxInFlight: 2, clock, log: silentLogger });
    const chain = new UpscaleChain([stage(), stage()], 2);
    const out: UpscaledFrame[] = [];
    chain.onOutput((f) => out.push(f));
    chain.push(frame(0));
    chain.push(frame(1));
    let ready = false;
    void chain.whenReady().then(() => (ready = true));
    await settle();
    expect(ready).toBe(false); // the first stage holds its bound of 2
    expect(runner.calls.map((c) => `${c.width}x${c.height}`)).toEqual(['4x2', '4x2']);
    runner.answer(1, 11);
    runner.answer(0, 10);
    await settle();
    // first pass done: both frames now at the second stage, at 8x4
    expect(runner.calls.slice(2).map((c) => `${c.width}x${c.height}`)).toEqual(['8x4', '8x4']);
    expect(out).toEqual([]);
    runner.answer(2, 20);
    runner.answer(3, 21);
    await chain.flush();
    expect(out.map((f) => [f.seq, f.geometry.width, f.geometry.height, f.path, f.data[0]])).toEqual([
      [0, 16, 8, 'model', 20],
      [1, 16, 8, 'model', 21],
    ]);
    expect(ready).toBe(true);
    expect(chain.stats().map((s) => s.byPath.model)).toEqual([2, 2]);
    chain.close();
  });
  test('an empty chain is refused', () => {
    expect(() => new UpscaleChain([], 2)).toThrow(RangeError);
  });
});

import { describe, expect, test } from 'vitest';
import { FakeRunner, flushMicrotasks } from '../../test/helpers/stage-kit.js';
import { silentLogger } from '../log/logger.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import type { TierConfig } from '../upscale/upscale-stage.js';
import { DWELL_SAMPLES, StreamDenoise, WINDOW_S, type DenoiseTierSource } from './stream-denoise.js';

const W = 320;
const H = 240;
const FPS = 30;

/** A family with members at 0, 1 and 2 (no heavy one); `fail` levels reject. */
function family(fail: readonly DenoiseLevel[] = []): DenoiseTierSource & { asked: DenoiseLevel[] } {
  const members = new Map<DenoiseLevel, TierConfig>(
    [0, 1, 2].map((l) => [l as DenoiseLevel, { runner: new FakeRunner([], l === 0 ? 'fast' : `fast-d${l}`) }]),
  );
  const asked: DenoiseLevel[] = [];
  return {
    levels: [0, 1, 2],
    baseLevel: 0,
    asked,
    tiersFor(level) {
      asked.push(level);
      return fail.includes(level) ? Promise.reject(new Error('cannot load')) : Promise.resolve([members.get(level) as TierConfig]);
    },
  };
}

function rig(fail: readonly DenoiseLevel[] = []) {
  const source = family(fail);
  const applied: [string, DenoiseLevel][] = [];
  const d = new StreamDenoise({
    source,
    model: 'fast',
    log: silentLogger,
    apply: (t, l) => applied.push([t[0]?.runner.info.name ?? '', l]),
  });
  let pictures = 0;
  let bytes = 0;
  /** One second of publishing at `bpp` bits per pixel, then a sample. */
  const second = (bpp: number) => {
    pictures += FPS;
    bytes += Math.round((bpp * W * H * FPS) / 8);
    return d.sample({ pictures, bytes }, W, H);
  };
  const reset = () => {
    pictures = 0;
    bytes = 0;
  };
  return { d, source, applied, second, reset };
}

describe('StreamDenoise', () => {
  test('before a full window nothing is measured and the configured model runs', () => {
    const r = rig();
    for (let i = 0; i < WINDOW_S; i++) expect(r.second(0.02)).toBeNull();
    expect(r.d.snapshot()).toMatchObject({ mode: 'auto', level: 0, wanted: null, model: 'fast', bitsPerPixel: null, switches: 0 });
    expect(r.source.asked).toEqual([]);
  });

  test('a starved stream (0.02 bits per pixel) asks for heavy denoising and gets the heaviest member there is', async () => {
    const r = rig();
    let wanted: DenoiseLevel | null = null;
    for (let i = 0; i <= WINDOW_S; i++) wanted = r.second(0.02);
    expect(wanted).toBe(3);
    await flushMicrotasks();
    expect(r.applied).toEqual([['fast-d2', 2]]);
    const s = r.d.snapshot();
    expect(s).toMatchObject({ level: 2, wanted: 3, model: 'fast-d2', switches: 1 });
    expect(s.bitsPerPixel).toBeCloseTo(0.02, 3);
    expect(s.crfEquivalent).toBeGreaterThan(30);
  });

  test('a generous stream (0.5 bits per pixel) keeps the clean model', async () => {
    const r = rig();
    for (let i = 0; i <= WINDOW_S + 3; i++) expect([null, 0]).toContain(r.second(0.5));
    await flushMicrotasks();
    expect(r.applied).toEqual([]);
    expect(r.d.snapshot()).toMatchObject({ level: 0, wanted: 0, model: 'fast', switches: 0 });
  });

  test('hysteresis: a change needs DWELL_SAMPLES samples in a row past the boundary', async () => {
    const r = rig();
    for (let i = 0; i <= WINDOW_S; i++) r.second(0.5);
    // the bitrate collapses: the window still holds generous seconds for a while, then the dwell runs
    let samples = 0;
    while (r.applied.length === 0 && samples < 40) {
      r.second(0.02);
      samples++;
      await flushMicrotasks();
    }
    expect(r.applied).toEqual([['fast-d2', 2]]);
    expect(samples).toBeGreaterThanOrEqual(DWELL_SAMPLES);
    // a short burst of bits (less than the dwell) does not move it back
    for (let i = 0; i < 2; i++) r.second(0.5);
    await flushMicrotasks();
    expect(r.d.snapshot().level).toBe(2);
  });

  test('a new feed (the publisher reconnected) starts the window afresh', () => {
    const r = rig();
    for (let i = 0; i <= WINDOW_S; i++) r.second(0.5);
    expect(r.d.snapshot().bitsPerPixel).not.toBeNull();
    r.reset();
    expect(r.second(0.02)).toBeNull();
  });

  test('a member that cannot be loaded: the stream keeps its model and does not ask again at once', async () => {
    const r = rig([2]);
    for (let i = 0; i <= WINDOW_S; i++) r.second(0.02);
    await flushMicrotasks();
    for (let i = 0; i < 3; i++) r.second(0.02);
    await flushMicrotasks();
    expect(r.applied).toEqual([]);
    expect(r.source.asked).toEqual([2]);
    expect(r.d.snapshot()).toMatchObject({ level: 0, model: 'fast' });
  });

  test('after close an answer still loading is not applied', async () => {
    const r = rig();
    for (let i = 0; i <= WINDOW_S; i++) r.second(0.02);
    r.d.close();
    await flushMicrotasks();
    expect(r.applied).toEqual([]);
  });
});

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { resizePlaneBicubic } from './bicubic.js';
import { createModelRunner, DEFAULT_TILE, type ModelRunner, type ModelRunnerOptions } from './model-runner.js';
import { resolveModel, type ResolvedModel } from './model-registry.js';

// Bring-your-own models in the common RGB float layout: test/fixtures/rgb-x4-sharpen.onnx is
// float32 RGB [1,3,H,W] -> [1,3,4H,4W] (edge pad, 3x3 sharpen, Resize cubic), receptive field 3 px.
// Inference on a shared 2-core machine: allow for a busy CPU.
vi.setConfig({ testTimeout: 30_000 });

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures');
const rgbModel = () => resolveModel({ modelsDir: FIXTURES, model: 'rgb-x4-sharpen', scale: 4 });

const runners: ModelRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});
const tmp = mkdtempSync(path.join(tmpdir(), 'uprez-byo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function start(model: ResolvedModel, extra: Partial<ModelRunnerOptions> = {}): Promise<ModelRunner> {
  const r = await createModelRunner({ model, provider: 'cpu', workers: 1, intraOpThreads: 1, log: silentLogger, ...extra });
  runners.push(r);
  return r;
}

/** A frame with smooth gradients and some edges, in studio range. */
function frame(w: number, h: number): Uint8Array {
  const y = new Uint8Array(w * h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) y[r * w + c] = 30 + Math.round(90 * (c / w) + 60 * (r / h) + (((c >> 4) + (r >> 4)) % 2) * 40);
  }
  return y;
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('an rgb_float model (card layout "rgb_float")', () => {
  test('loads with its card tiling, upscales Y x4 through grey RGB, close to bicubic', async () => {
    const r = await start(rgbModel());
    expect(r.info).toMatchObject({ name: 'rgb-x4-sharpen', scale: 4, layout: 'rgb_float', tile: { size: 64, overlap: 8 } });
    const [w, h] = [150, 100];
    const y = frame(w, h);
    const out = await r.upscaleLuma(y, w, h);
    expect(out.y.length).toBe(w * 4 * h * 4);
    // The model is bicubic after a mild sharpen: the result stays near the stage's bicubic.
    const ref = resizePlaneBicubic(y, w, h, w * 4, h * 4);
    let sum = 0;
    for (let i = 0; i < ref.length; i++) sum += Math.abs((ref[i] as number) - (out.y[i] as number));
    expect(sum / ref.length).toBeLessThan(3);
  });

  test('tiled output equals the untiled output within 1 grey level on a frame of several tiles', async () => {
    const [w, h] = [150, 100];
    const y = frame(w, h);
    const tiled = await start(rgbModel());
    const whole = await start(rgbModel(), { tile: { size: 1024, overlap: 0 } });
    const a = await tiled.upscaleLuma(y, w, h);
    const b = await whole.upscaleLuma(y, w, h);
    expect([a.tiles, b.tiles]).toEqual([3 * 2, 1]);
    expect(maxAbsDiff(a.y, b.y)).toBeLessThanOrEqual(1);
  });

  test('memory is bounded by the tile: no single run sees more than (tile + 2 overlap)^2 pixels, whatever the frame', async () => {
    const tile = { size: 48, overlap: 8 };
    const r = await start(rgbModel(), { tile });
    const [w, h] = [200, 120];
    const out = await r.upscaleLuma(frame(w, h), w, h);
    expect(out.tiles).toBe(5 * 3);
    expect(out.maxTilePixels).toBeLessThanOrEqual((tile.size + 2 * tile.overlap) ** 2);
    expect(out.maxTilePixels).toBeLessThan((w * h) / 4);
  });

  test.each([16, 128, 235])('a flat frame at Y=%i comes back flat at the same value (studio range maps to 0..1 and back)', async (v) => {
    const r = await start(rgbModel());
    const out = await r.upscaleLuma(new Uint8Array(70 * 30).fill(v), 70, 30);
    expect(Math.min(...out.y)).toBe(v);
    expect(Math.max(...out.y)).toBe(v);
  });
});

describe('an .onnx path without a card', () => {
  const loose = path.join(tmp, 'my-sr-model.onnx');
  copyFileSync(path.join(FIXTURES, 'rgb-x4-sharpen.onnx'), loose);

  test('the layout is read from the model and the scale checked by the probe run', async () => {
    const model = resolveModel({ modelsDir: tmp, model: loose, scale: 4 });
    expect(model).toMatchObject({ layout: 'detect', card: null });
    const r = await start(model);
    expect(r.info).toMatchObject({ name: 'my-sr-model', scale: 4, layout: 'rgb_float', tile: DEFAULT_TILE });
    expect((await r.upscaleLuma(frame(40, 24), 40, 24)).y.length).toBe(160 * 96);
  });

  test('a --scale the model does not have fails at load, naming the scale the probe saw', async () => {
    const model = resolveModel({ modelsDir: tmp, model: loose, scale: 2 });
    const err = await createModelRunner({ model, provider: 'cpu', intraOpThreads: 1, log: silentLogger }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UprezError);
    expect((err as UprezError).code).toBe('MODEL_INVALID');
    expect((err as UprezError).message).toContain('pass --scale 4');
  });
});

test('a uint8 Y model whose card claims rgb_float is refused at load by the RGB contract', async () => {
  const y = resolveModel({ modelsDir: FIXTURES, model: 'x2-resize', scale: 2 });
  const err = await createModelRunner({ model: { ...y, layout: 'rgb_float' }, provider: 'cpu', intraOpThreads: 1, log: silentLogger }).then(
    () => null,
    (e: unknown) => e,
  );
  expect((err as UprezError).code).toBe('MODEL_INVALID');
  expect((err as UprezError).message).toContain('float32 [1,3,H,W]');
});

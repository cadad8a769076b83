import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import type { LumaRect } from './luma-regions.js';
import { resolveModel } from './model-registry.js';
import { createNativeRunner, type NativeRunner } from './native-runner.js';
import { loadNativeSr } from './native/sr-addon.mjs';
import { inspectNativeModel } from './native/sr-model.js';

const MODELS = path.resolve(import.meta.dirname, '../../models');
const load = loadNativeSr({});
if (!load.addon) console.warn(`native runner tests skipped: ${load.why}`);
const threads = () => readdirSync('/proc/self/task').length;

const runners: NativeRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

async function start(name: string, workers = 1): Promise<NativeRunner> {
  const model = resolveModel({ modelsDir: MODELS, model: name, scale: 2 });
  const check = await inspectNativeModel(model.path);
  if (!check.ok) throw new Error(check.reason);
  const r = await createNativeRunner({ model, spec: check.spec, isa: load.addon!.isas()[0]!, workers, log: silentLogger });
  runners.push(r);
  return r;
}

function plane(w: number, h: number): Uint8Array {
  return new Uint8Array(w * h).map((_, i) => (i * 37 + ((i / w) | 0) * 11 + ((i * 7919) % 13)) & 255);
}

async function failure(p: Promise<unknown>): Promise<UprezError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UprezError);
    return err as UprezError;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!load.addon)('NativeRunner (worker threads over the native SR kernel)', () => {
  test('upscaleLuma gives the addon run on this thread, byte for byte; info says what runs', async () => {
    const r = await start('uprez-x2-fast');
    expect(r.info).toMatchObject({
      name: 'uprez-x2-fast',
      scale: 2,
      provider: 'cpu',
      engine: 'native',
      layout: 'y_uint8',
      receptiveRadius: 5,
      macsPerPixel: 5684,
      workers: 1,
    });
    const [w, h] = [83, 47];
    const y = plane(w, h);
    const out = await r.upscaleLuma(y, w, h);
    const check = await inspectNativeModel(r.info.path);
    if (!check.ok) throw new Error(check.reason);
    const addon = load.addon!;
    const ref = new Uint8Array(w * 2 * h * 2);
    addon.run(addon.create(check.spec, r.info.isa), y, w, h, ref, 0);
    expect(Buffer.compare(out.y, ref)).toBe(0);
    expect(out.inferMs).toBeGreaterThan(0);
    expect(out.queuedMs).toBeGreaterThanOrEqual(0);
  });

  test('upscaleLumaRegions: each region is the whole-frame output inside it, with its residual when asked', async () => {
    const r = await start('uprez-x2-tiny');
    const [w, h] = [70, 44];
    const y = plane(w, h);
    const whole = (await r.upscaleLuma(y, w, h)).y;
    const rects: LumaRect[] = [
      { x: 0, y: 0, width: 32, height: 32 },
      { x: 38, y: 12, width: 32, height: 32 },
      { x: 69, y: 43, width: 1, height: 1 },
    ];
    const res = await r.upscaleLumaRegions(y, w, h, rects, { residual: true });
    expect(res.regions.map((g) => g.rect)).toEqual(rects);
    for (const g of res.regions) {
      const { x, y: y0, width, height } = g.rect;
      expect(g.y.length).toBe(width * 2 * height * 2);
      for (let row = 0; row < height * 2; row++) {
        const want = whole.subarray((y0 * 2 + row) * w * 2 + x * 2, (y0 * 2 + row) * w * 2 + x * 2 + width * 2);
        expect(Buffer.compare(g.y.subarray(row * width * 2, (row + 1) * width * 2), want)).toBe(0);
      }
      expect(g.residual?.length).toBe(g.y.length);
    }
    const plain = await r.upscaleLumaRegions(y, w, h, rects);
    expect(plain.regions[0]?.residual).toBeUndefined();
  });

  test.each<[string, LumaRect[]]>([
    ['a rectangle past the edge', [{ x: 60, y: 0, width: 11, height: 4 }]],
    ['a fractional rectangle', [{ x: 0.5, y: 0, width: 4, height: 4 }]],
    ['no rectangles', []],
  ])('%s is refused (MODEL_INPUT_INVALID, not fatal) before reaching a worker', async (_label, rects) => {
    const r = await start('uprez-x2-tiny');
    const err = await failure(r.upscaleLumaRegions(plane(70, 44), 70, 44, rects));
    expect([err.code, err.fatal]).toEqual(['MODEL_INPUT_INVALID', false]);
    expect(r.pending).toBe(0);
  });

  test('two workers run requests side by side; warmUp runs each', async () => {
    const r = await start('uprez-x2-tiny', 2);
    expect((await r.warmUp(40, 24, 2)).length).toBe(4);
    const y = plane(64, 36);
    const outs = await Promise.all([r.upscaleLuma(y, 64, 36), r.upscaleLuma(y, 64, 36), r.upscaleLuma(y, 64, 36)]);
    expect(outs.every((o) => Buffer.compare(o.y, outs[0]!.y) === 0)).toBe(true);
  });

  test('close() ends the workers and is idempotent; later requests fail MODEL_CLOSED (fatal: it does not come back)', async () => {
    const r = await start('uprez-x2-tiny', 2);
    const during = threads();
    await Promise.all([r.close(), r.close()]);
    expect(threads()).toBeLessThan(during);
    const err = await failure(r.upscaleLuma(new Uint8Array(4), 2, 2));
    // Fatal for the stage: a closed runner does not come back (the stage rests the tier).
    expect([err.code, err.fatal]).toEqual(['MODEL_CLOSED', true]);
  });

  test('a wrong-sized plane is refused', async () => {
    const r = await start('uprez-x2-tiny');
    expect((await failure(r.upscaleLuma(new Uint8Array(10), 4, 4))).code).toBe('MODEL_INPUT_INVALID');
  });

  test('a network the addon refuses fails the start with MODEL_LOAD_FAILED', async () => {
    const model = resolveModel({ modelsDir: MODELS, model: 'uprez-x2-tiny', scale: 2 });
    const check = await inspectNativeModel(model.path);
    if (!check.ok) throw new Error(check.reason);
    const spec = { ...check.spec, body: check.spec.body.map((c, i) => (i === 1 ? { ...c, bias: new Float32Array(1) } : c)) };
    const err = await failure(createNativeRunner({ model, spec, isa: 'scalar', log: silentLogger }));
    expect(err.code).toBe('MODEL_LOAD_FAILED');
    expect(err.message).toMatch(/weight or bias size/);
  });

  test('inspectNativeModel gives the digest the card pins', async () => {
    const model = resolveModel({ modelsDir: MODELS, model: 'uprez-x2-fast', scale: 2 });
    const check = await inspectNativeModel(model.path);
    expect(check.sha256).toBe(JSON.parse(readFileSync(model.card!.cardPath, 'utf8')).sha256);
  });
});

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { resizePlaneBicubic } from './bicubic.js';
import { createModelRunner, type ModelRunner } from './model-runner.js';
import { resolveModel } from './model-registry.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures');
const fixture = (name: string) => resolveModel({ modelsDir: FIXTURES, model: name, scale: 2 });
const threads = () => readdirSync('/proc/self/task').length;

/** settledThreads waits (at most 2 s) for the thread count to fall to `bound`: an exiting worker thread leaves /proc a moment after its exit event on a loaded machine. */
async function settledThreads(bound: number): Promise<number> {
  for (let i = 0; i < 40 && threads() > bound; i++) await new Promise((r) => setTimeout(r, 50));
  return threads();
}

const runners: ModelRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

async function start(name: string, provider: 'auto' | 'cpu' | 'cuda' = 'cpu', workers = 1): Promise<ModelRunner> {
  const r = await createModelRunner({ model: fixture(name), provider, workers, intraOpThreads: 1, log: silentLogger });
  runners.push(r);
  return r;
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

describe('createModelRunner with test/fixtures/x2-resize.onnx', () => {
  test('upscales Y to width*2 x height*2, close to the stage bicubic (same kernel in ONNX Resize)', async () => {
    const r = await start('x2-resize');
    expect(r.info).toMatchObject({ name: 'x2-resize', scale: 2, provider: 'cpu', workers: 1, intraOpThreads: 1 });
    const w = 37;
    const h = 21;
    const y = new Uint8Array(w * h).map((_, i) => (i * 97 + (i >> 3) * 13) & 255);
    const out = await r.upscaleLuma(y, w, h);
    expect(out.y.length).toBe(w * 2 * h * 2);
    expect(out.inferMs).toBeGreaterThanOrEqual(0);
    const ref = resizePlaneBicubic(y, w, h, w * 2, h * 2);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs((ref[i] as number) - (out.y[i] as number)));
    expect(maxDiff).toBeLessThanOrEqual(2);
  });

  test('warmUp runs every worker and reports each round trip', async () => {
    const r = await start('x2-resize', 'cpu', 2);
    const times = await r.warmUp(64, 36, 2);
    expect(times).toHaveLength(4);
    for (const t of times) expect(t).toBeGreaterThan(0);
  });

  test('a wrong-sized plane is refused without reaching the model', async () => {
    const r = await start('x2-resize');
    expect((await failure(r.upscaleLuma(new Uint8Array(10), 4, 4))).code).toBe('MODEL_INPUT_INVALID');
  });

  test('close() ends the worker thread and is idempotent', async () => {
    const r = await start('x2-resize');
    const during = threads();
    await Promise.all([r.close(), r.close()]);
    expect(threads()).toBeLessThan(during);
    const err = await failure(r.upscaleLuma(new Uint8Array(4), 2, 2));
    // Fatal for the stage: a closed runner does not come back (the stage rests the tier).
    expect([err.code, err.fatal]).toEqual(['MODEL_CLOSED', true]);
  });

  test("provider 'auto' falls back to CPU where CUDA cannot start, and says which it uses", async () => {
    const r = await start('x2-resize', 'auto');
    expect(['cpu', 'cuda']).toContain(r.info.provider);
  });

  test("provider 'cuda' fails clearly where CUDA cannot start", async () => {
    try {
      const r = await start('x2-resize', 'cuda');
      expect(r.info.provider).toBe('cuda'); // a machine with the CUDA execution provider
    } catch (err) {
      expect((err as UprezError).code).toBe('MODEL_PROVIDER_UNAVAILABLE');
      expect((err as UprezError).message).toContain('--provider cuda');
    }
  });
});

describe('invalid models fail at load with MODEL_INVALID naming the file', () => {
  test.each([
    ['broken', 'Protobuf'],
    ['wrong-shape', '[1,3,height,width]'],
    ['float-input', 'float32'],
    ['x3-labelled-x2', '(x3), but the model is declared x2'],
  ])('%s', async (name, says) => {
    const before = threads();
    const err = await failure(start(name));
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toContain(path.join(FIXTURES, `${name}.onnx`));
    expect(err.message).toContain(says);
    expect(await settledThreads(before)).toBeLessThanOrEqual(before);
  });

  test.each([
    ['a sha256 that does not match the file', 'ab'.repeat(32), 'MODEL_INVALID'],
    ['the matching sha256', null, 'ok'],
  ])('card with %s', async (_, sha, expected) => {
    const base = fixture('x2-resize');
    const real = createHash('sha256').update(readFileSync(base.path)).digest('hex');
    const card = { ...(base.card as NonNullable<typeof base.card>), fields: { ...base.card?.fields, sha256: sha ?? real } };
    const attempt = createModelRunner({ model: { ...base, card }, provider: 'cpu', intraOpThreads: 1, log: silentLogger });
    if (expected === 'ok') {
      const r = await attempt;
      runners.push(r);
      expect(r.info.name).toBe('x2-resize');
    } else {
      const err = await failure(attempt);
      expect(err.code).toBe(expected);
      expect(err.message).toContain('sha256');
    }
  });
});

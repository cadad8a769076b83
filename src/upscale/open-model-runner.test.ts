import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { ModelRunner } from './model-runner.js';
import { resolveModel } from './model-registry.js';
import { loadNativeSr } from './native/sr-addon.mjs';
import { chooseEngine, openModelRunner, type OpenModelRunnerOptions } from './open-model-runner.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(ROOT, 'models');
const FIXTURES = path.join(ROOT, 'test/fixtures');
const load = loadNativeSr({});
const noGpu = () => false;
const opts = (name: string, extra: Partial<OpenModelRunnerOptions> = {}, dir = MODELS): OpenModelRunnerOptions => ({
  model: resolveModel({ modelsDir: dir, model: name, scale: 2 }),
  provider: 'cpu',
  log: silentLogger,
  env: {},
  gpuPresent: noGpu,
  ...extra,
});

const runners: ModelRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});
const tmp = mkdtempSync(path.join(tmpdir(), 'uprez-engine-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<UprezError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UprezError);
    return err as UprezError;
  }
  throw new Error('expected a rejection');
}

describe('chooseEngine', () => {
  test.each<[string, string, Partial<OpenModelRunnerOptions>, RegExp]>([
    ['uprez-x2-live (two-scale)', 'uprez-x2-live', {}, /native kernel does not run this graph: .*feeds 4 nodes/],
    ['an explicit onnxruntime engine', 'uprez-x2-fast', { engine: 'onnxruntime' }, /asked for onnxruntime/],
    ['--provider cuda', 'uprez-x2-fast', { provider: 'cuda' }, /runs on the CPU/],
    ['--provider auto with a GPU present', 'uprez-x2-fast', { provider: 'auto', gpuPresent: () => true }, /GPU is present/],
    ['UPREZ_NATIVE_SR=off', 'uprez-x2-fast', { env: { UPREZ_NATIVE_SR: 'off' } }, /UPREZ_NATIVE_SR=off/],
  ])('%s goes to onnxruntime, saying why', async (_label, name, extra, why) => {
    const c = await chooseEngine(opts(name, extra));
    expect(c.engine).toBe('onnxruntime');
    expect(c.reason).toMatch(why);
  });

  test('an RGB float model (bring your own) goes to onnxruntime', async () => {
    const c = await chooseEngine({
      ...opts('x2-resize', {}, FIXTURES),
      model: resolveModel({ modelsDir: FIXTURES, model: 'rgb-x4-sharpen', scale: 4 }),
    });
    expect(c).toEqual({ engine: 'onnxruntime', reason: 'rgb_float models run in onnxruntime' });
  });

  test.skipIf(!load.addon)('our plain models go to the native kernel, on the fastest instruction set or the one asked', async () => {
    for (const name of ['uprez-x2-fast', 'uprez-x2-tiny', 'uprez-x2']) {
      const c = await chooseEngine(opts(name));
      expect(c.engine, name).toBe('native');
      if (c.engine === 'native') expect(c.isa).toBe(load.addon!.isas()[0]);
    }
    const scalar = await chooseEngine(opts('uprez-x2-tiny', { env: { UPREZ_SR_ISA: 'scalar' } }));
    expect(scalar.engine === 'native' && scalar.isa).toBe('scalar');
  });

  test.skipIf(!load.addon)('forcing native on a model it cannot run fails with MODEL_ENGINE_UNAVAILABLE naming the reason', async () => {
    const err = await failure(chooseEngine(opts('uprez-x2-live', { engine: 'native' })));
    expect(err.code).toBe('MODEL_ENGINE_UNAVAILABLE');
    expect(err.message).toMatch(/feeds 4 nodes.*--inference-engine auto or onnxruntime/);
  });

  test.skipIf(!load.addon)('an instruction set this CPU does not run is a config error', async () => {
    expect((await failure(chooseEngine(opts('uprez-x2-tiny', { nativeIsa: 'neon' })))).code).toBe('CONFIG_INVALID');
  });

  test.skipIf(!load.addon)(
    "a card whose sha256 does not match, or a scale the model does not have, is MODEL_INVALID as onnxruntime's runner says",
    async () => {
      const base = opts('uprez-x2-tiny');
      const card = { ...base.model.card!, fields: { ...base.model.card!.fields, sha256: 'ab'.repeat(32) } };
      expect((await failure(chooseEngine({ ...base, model: { ...base.model, card } }))).message).toMatch(/sha256/);
      copyFileSync(base.model.path, path.join(tmp, 'plain.onnx'));
      const bare = resolveModel({ modelsDir: tmp, model: path.join(tmp, 'plain.onnx'), scale: 4 });
      const err = await failure(chooseEngine({ ...base, model: bare }));
      expect([err.code, err.message]).toEqual(['MODEL_INVALID', expect.stringMatching(/upscales x2 but --scale says x4/)]);
    },
  );

  test('an unreadable .onnx goes to onnxruntime (which reports the file)', async () => {
    writeFileSync(path.join(tmp, 'junk.onnx'), 'not a model');
    const c = await chooseEngine({
      ...opts('uprez-x2-tiny'),
      model: resolveModel({ modelsDir: tmp, model: path.join(tmp, 'junk.onnx'), scale: 2 }),
    });
    expect(c.engine).toBe('onnxruntime');
  });
});

describe('openModelRunner', () => {
  function capture(): { log: Logger; lines: { msg: string; fields?: Record<string, unknown> }[] } {
    const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
    const log: Logger = {
      ...silentLogger,
      info: (msg, fields) => lines.push({ msg, ...(fields ? { fields } : {}) }),
      warn: (msg, fields) => lines.push({ msg, ...(fields ? { fields } : {}) }),
      child: () => log,
    };
    return { log, lines };
  }

  test.skipIf(!load.addon)('starts the native runner for uprez-x2-fast and logs the engine and why', async () => {
    const { log, lines } = capture();
    const o = await openModelRunner(opts('uprez-x2-fast', { log, workers: 1 }));
    runners.push(o.runner);
    expect(o.engine).toBe('native');
    expect(o.native).toBe(o.runner);
    expect((await o.runner.upscaleLuma(new Uint8Array(24 * 16).fill(9), 24, 16)).y.length).toBe(48 * 32);
    expect(lines.find((l) => l.msg === 'inference engine')?.fields).toMatchObject({ model: 'uprez-x2-fast', engine: 'native' });
  });

  test('starts onnxruntime for a model the native kernel does not run, and logs why', async () => {
    const { log, lines } = capture();
    const o = await openModelRunner({ ...opts('x2-resize', { log }, FIXTURES) });
    runners.push(o.runner);
    expect([o.engine, o.native]).toEqual(['onnxruntime', null]);
    expect(o.runner.info.name).toBe('x2-resize');
    expect(lines.find((l) => l.msg === 'inference engine')?.fields).toMatchObject({
      engine: 'onnxruntime',
      reason: expect.stringMatching(/Resize/),
    });
  });
});

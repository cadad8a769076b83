import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chooseDenoiseModel, chooseFileDenoiseModel } from './denoise-model-choice.js';

let dir: string;
function writeModel(name: string, card: Record<string, unknown>): void {
  writeFileSync(path.join(dir, `${name}.onnx`), 'onnx');
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ name, ...card }));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'uprez-denoise-models-'));
  writeModel('q', { scale: 2, default: true });
  writeModel('f', { scale: 2, liveDefault: true, denoiseLevel: 0, family: 'f' });
  writeModel('f-d1', { scale: 2, denoiseLevel: 1, family: 'f' });
  writeModel('f-d2', { scale: 2, denoiseLevel: 2, family: 'f' });
  writeModel('q4', { scale: 4, default: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chooseDenoiseModel', () => {
  test('level 0 and bicubic pass --model through unchanged', () => {
    expect(chooseDenoiseModel({ model: undefined, scale: 2, modelsDir: dir }, 0, false)).toEqual({ model: undefined, servedLevel: 0 });
    expect(chooseDenoiseModel({ model: 'bicubic', scale: 2, modelsDir: dir }, 3, false)).toEqual({ model: 'bicubic', servedLevel: 0 });
  });

  test("the default (quality) model's level 2 is the fast family's member, by path, with a note", () => {
    const c = chooseDenoiseModel({ model: undefined, scale: 2, modelsDir: dir }, 2, false);
    expect(c.model).toBe(path.join(dir, 'f-d2.onnx'));
    expect(c.note).toMatch(/q has no denoise-level-2 member; using f-d2/);
  });
});

describe('chooseFileDenoiseModel', () => {
  test('x4 without a x4 family: two passes of the x2 member (auto), refused with --x4 model', () => {
    const c = chooseFileDenoiseModel({ model: undefined, scale: 4, modelsDir: dir, x4: 'auto' }, 1, false);
    expect(c).toMatchObject({ model: path.join(dir, 'f-d1.onnx'), x4: '2x2', servedLevel: 1 });
    expect(c.note).toMatch(/^x4 has no model for compressed input: two x2 passes/);
    expect(() => chooseFileDenoiseModel({ model: undefined, scale: 4, modelsDir: dir, x4: 'model' }, 1, false)).toThrow(
      expect.objectContaining({ code: 'DENOISE_UNAVAILABLE' }),
    );
    expect(chooseFileDenoiseModel({ model: undefined, scale: 4, modelsDir: dir, x4: 'model' }, 1, true)).toMatchObject({
      model: undefined,
      servedLevel: 0,
      x4: 'model',
    });
  });

  test('--model naming a x4 model still finds the x2 family for the passes', () => {
    expect(chooseFileDenoiseModel({ model: 'q4', scale: 4, modelsDir: dir, x4: 'auto' }, 2, false)).toMatchObject({
      model: path.join(dir, 'f-d2.onnx'),
      x4: '2x2',
    });
  });
});

import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultModelsDir } from '../upscale/model-registry.js';
import { pickModel } from './upscale-plan.js';

let onlyX2 = '';
let both = '';
beforeAll(() => {
  const src = path.join(defaultModelsDir(), 'uprez-x2-fast.onnx');
  onlyX2 = mkdtempSync(path.join(tmpdir(), 'uprez-plan-'));
  both = mkdtempSync(path.join(tmpdir(), 'uprez-plan-'));
  for (const dir of [onlyX2, both]) {
    copyFileSync(src, path.join(dir, 'a-x2.onnx'));
    writeFileSync(path.join(dir, 'a-x2.json'), JSON.stringify({ scale: 2, default: true }));
  }
  // The file's real scale is checked when a runner loads it; picking only reads the cards.
  copyFileSync(src, path.join(both, 'b-x4.onnx'));
  writeFileSync(path.join(both, 'b-x4.json'), JSON.stringify({ scale: 4, default: true }));
});
afterAll(() => {
  rmSync(onlyX2, { recursive: true, force: true });
  rmSync(both, { recursive: true, force: true });
});

describe('x4 plan: a x4 model when there is one, else the x2 model twice', () => {
  test.each([
    ['x2', 2, undefined, 'auto', 'onlyX2', 'a-x2', 1],
    ['x4 without a x4 model', 4, undefined, 'auto', 'onlyX2', 'a-x2', 2],
    ['x4 with a x4 model', 4, undefined, 'auto', 'both', 'b-x4', 1],
    ['x4 forced two passes', 4, undefined, '2x2', 'both', 'a-x2', 2],
    ['x4 naming the x2 model', 4, 'a-x2', 'auto', 'both', 'a-x2', 2],
  ] as const)('%s', (_name, scale, model, x4, dir, name, passes) => {
    const r = pickModel({ model, scale, x4, modelsDir: dir === 'both' ? both : onlyX2 });
    expect([r.model.name, r.passes]).toEqual([name, passes]);
  });
  test('x4 "model" insists on a x4 model', () => {
    expect(() => pickModel({ model: undefined, scale: 4, x4: 'model', modelsDir: onlyX2 })).toThrow(/no x4 model/);
  });
});

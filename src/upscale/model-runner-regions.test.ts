import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { pasteRegion } from './luma-regions.js';
import { createModelRunner, type ModelRunner } from './model-runner.js';
import { resolveModel } from './model-registry.js';

const MODELS = path.resolve(import.meta.dirname, '../../models');
const runners: ModelRunner[] = [];
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

describe('onnxruntime runner: region inference (per-tile scheduling)', () => {
  test.each(['uprez-x2-tiny', 'uprez-x2-live'])(
    '%s: rectangles of a frame equal the whole-frame output inside them, bit for bit',
    async (name) => {
      const runner = await createModelRunner({
        model: resolveModel({ modelsDir: MODELS, model: name, scale: 2 }),
        provider: 'cpu',
        workers: 1,
        log: silentLogger,
      });
      runners.push(runner);
      expect(runner.info.receptiveRadius).toBeGreaterThan(0);
      const [w, h] = [203, 117];
      const y = new Uint8Array(w * h).map((_, i) => ((i % w) * 5 + ((i / w) | 0) * 3 + ((i * 2654435761) >>> 27)) & 255);
      const whole = await runner.upscaleLuma(y, w, h);
      const rects = [
        { x: 0, y: 0, width: 64, height: 64 },
        { x: 64, y: 64, width: 128, height: 53 },
        { x: 192, y: 0, width: 11, height: 117 },
        { x: 37, y: 71, width: 9, height: 5 },
      ];
      const r = await runner.upscaleLumaRegions(y, w, h, rects);
      expect(r.regions).toHaveLength(4);
      for (const region of r.regions) {
        const expected = new Uint8Array(w * 2 * h * 2);
        const got = new Uint8Array(w * 2 * h * 2);
        pasteRegion(got, w * 2, 2, region);
        pasteRegion(expected, w * 2, 2, { rect: region.rect, y: cut(whole.y, w * 2, region.rect) });
        expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true);
      }
    },
  );
});

function cut(hr: Uint8Array, hrW: number, r: { x: number; y: number; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(r.width * 2 * r.height * 2);
  for (let y = 0; y < r.height * 2; y++)
    out.set(hr.subarray((r.y * 2 + y) * hrW + r.x * 2, (r.y * 2 + y) * hrW + (r.x + r.width) * 2), y * r.width * 2);
  return out;
}

/**
 * The native SR kernel keeps each model's quality: Set5 x2/x4 (the cards' protocol) through the
 * native runner and through onnxruntime, side by side, on the same LR; the mean Y-PSNR must agree
 * within 0.01 dB, and the native gain over bicubic must be what the card states.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeRgb8 } from '../../src/image/rgb8-io.js';
import { evaluateImage, meanScores } from '../../src/eval/sr-eval.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ModelRunner } from '../../src/upscale/model-runner.js';
import { defaultModelsDir, resolveModel } from '../../src/upscale/model-registry.js';
import { openModelRunner } from '../../src/upscale/open-model-runner.js';
import { loadNativeSr } from '../../src/upscale/native/sr-addon.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const datasets = process.env['UPREZ_DATASETS'] ?? path.resolve(repoRoot, '..', 'shared', 'datasets');
const set5 = path.join(datasets, 'val', 'Set5');
const haveSet5 = existsSync(set5);
const load = loadNativeSr();
if (!haveSet5) console.warn(`native-eval: SKIPPED: ${set5} does not exist (set UPREZ_DATASETS to the datasets folder)`);
if (!load.addon) console.warn(`native-eval: SKIPPED: ${load.why}`);

const runners: ModelRunner[] = [];
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

describe.skipIf(!haveSet5 || !load.addon)('native SR kernel keeps the Set5 quality of onnxruntime', () => {
  test.each([
    ['uprez-x2-fast', 2],
    ['uprez-x2-tiny', 2],
    ['uprez-x2', 2],
    ['uprez-x4', 4],
  ])('%s: mean Y-PSNR equal to onnxruntime within 0.01 dB; gain as the card says', async (name, scale) => {
    const model = resolveModel({ modelsDir: defaultModelsDir(), model: name, scale });
    const native = await openModelRunner({ model, provider: 'cpu', engine: 'native', log: silentLogger });
    const ort = await openModelRunner({ model, provider: 'cpu', engine: 'onnxruntime', log: silentLogger });
    runners.push(native.runner, ort.runner);
    expect([native.engine, ort.engine]).toEqual(['native', 'onnxruntime']);
    const files = (await readdir(set5)).filter((f) => f.endsWith('.png')).sort();
    const a = [];
    const b = [];
    for (const f of files) {
      const hr = await decodeRgb8(readFileSync(path.join(set5, f)));
      a.push(await evaluateImage(f, hr, { scale, model: native.runner }));
      b.push(await evaluateImage(f, hr, { scale, model: ort.runner }));
    }
    const n = meanScores(a);
    const o = meanScores(b);
    console.log(
      `${name} Set5 x${scale}: native ${n.model?.psnr.toFixed(4)} dB, onnxruntime ${o.model?.psnr.toFixed(4)} dB, bicubic ${n.bicubic.psnr.toFixed(4)} dB`,
    );
    expect(Math.abs((n.model?.psnr ?? 0) - (o.model?.psnr ?? 0))).toBeLessThan(0.01);
    const card = JSON.parse(readFileSync(model.card!.cardPath, 'utf8')) as { quality: { set5: { gainDb: number } } };
    expect(n.gain?.psnr ?? 0).toBeCloseTo(card.quality.set5.gainDb, 1);
  });
});

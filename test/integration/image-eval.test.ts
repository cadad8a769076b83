import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, onTestFinished, test } from 'vitest';
import { captureIo as captureWith, type CapturedIo } from '../helpers/capture-io.js';
import { runEvalCommand } from '../../src/cli/eval-command.js';
import { runImageCommand } from '../../src/cli/image-command.js';
import { psnr } from '../../src/eval/psnr.js';
import { imresizeU8 } from '../../src/eval/matlab-imresize.js';
import { joinRgb, splitRgb, type RgbImage } from '../../src/image/rgb-image.js';
import { decodeRgb8, encodeRgb8 } from '../../src/image/rgb8-io.js';
import { defaultModelsDir, listModels, pickDefault } from '../../src/upscale/model-registry.js';

// The datasets live beside the repository (../shared/datasets); UPREZ_DATASETS points elsewhere.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const datasets = process.env['UPREZ_DATASETS'] ?? path.resolve(repoRoot, '..', 'shared', 'datasets');
const set5 = path.join(datasets, 'val', 'Set5');
const haveSet5 = existsSync(set5);
if (!haveSet5) {
  console.warn(`image-eval: SKIPPING the Set5 protocol checks: ${set5} does not exist (set UPREZ_DATASETS to the datasets folder)`);
}

const captureIo = (): CapturedIo => captureWith(process.env);

interface Scores {
  psnr: number;
  ssim: number;
}
interface Report {
  model: { name: string; provider: string } | null;
  images: Array<{ name: string; bicubic: Scores; model?: Scores }>;
  mean: { bicubic: Scores; model?: Scores; gain?: Scores };
}

async function evalJson(argv: string[]): Promise<Report> {
  const io = captureIo();
  const code = await runEvalCommand([...argv, '--json'], io);
  expect(code, io.err()).toBe(0);
  return JSON.parse(io.out()) as Report;
}

/** MATLAB imresize(rgb, 1/scale, 'bicubic') per channel: the LR a user would upscale. */
function downscaleRgb(img: RgbImage, scale: number): RgbImage {
  const [r, g, b] = splitRgb(img).planes.map((c) => imresizeU8(c, img.width, img.height, 1 / scale).data);
  return joinRgb({
    width: Math.ceil(img.width / scale),
    height: Math.ceil(img.height / scale),
    planes: [r as Uint8Array, g as Uint8Array, b as Uint8Array],
  });
}

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(!haveSet5)('uprez eval reproduces the published Set5 bicubic numbers', () => {
  test.each([
    [2, 33.66, 0.9299],
    [4, 28.42, 0.8104],
  ])('x%d: mean Y-PSNR within 0.05 dB of %d (SSIM within 0.002 of %d)', async (scale, published, publishedSsim) => {
    const r = await evalJson(['--set', set5, '--scale', String(scale), '--model', 'bicubic']);
    expect(r.images.map((i) => i.name)).toEqual(['baby', 'bird', 'butterfly', 'head', 'woman']);
    expect(Math.abs(r.mean.bicubic.psnr - published)).toBeLessThan(0.05);
    expect(Math.abs(r.mean.bicubic.ssim - publishedSsim)).toBeLessThan(0.002);
  });

  test('--degrade h264:0 is lossless (same numbers as clean LR); h264:28 costs several dB and leaves no temp files', async () => {
    // A private TMPDIR shows that every temp file is removed (os.tmpdir() reads it on each call).
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'uprez-eval-tmp-'));
    tmpDirs.push(tmp);
    const savedTmp = process.env['TMPDIR'];
    process.env['TMPDIR'] = tmp;
    onTestFinished(() => {
      if (savedTmp === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = savedTmp;
    });
    const clean = await evalJson(['--set', set5, '--scale', '2', '--model', 'bicubic']);
    const lossless = await evalJson(['--set', set5, '--scale', '2', '--model', 'bicubic', '--degrade', 'h264:0']);
    const crf28 = await evalJson(['--set', set5, '--scale', '2', '--model', 'bicubic', '--degrade', 'h264:28']);
    expect(lossless.mean).toEqual(clean.mean);
    expect(crf28.mean.bicubic.psnr).toBeLessThan(clean.mean.bicubic.psnr - 3);
    // models/train/protocol.py measures 28.582 dB for the same degradation (its upscale rounds per pass).
    expect(crf28.mean.bicubic.psnr).toBeCloseTo(28.58, 1);
    expect(await readdir(tmp)).toEqual([]);
  });
});

// The shipped default models: their cards carry Set5 numbers measured by models/train (Python);
// uprez eval must measure the same, since both implement the same protocol.
const models = listModels(defaultModelsDir());
const defaults = [2, 4].map((scale) => ({ scale, card: pickDefault(models, scale) }));
for (const { scale, card } of defaults) {
  if (!card) console.warn(`image-eval: SKIPPING the x${scale} model checks: no x${scale} model in ${defaultModelsDir()}`);
}

type CardScores = { psnrY?: number; ssimY?: number };
type CardQuality = { set5?: CardScores; set5H264Crf28?: CardScores } | undefined;

function expectCardScores(r: Report, q: CardScores | undefined, what: string): void {
  expect(q?.psnrY, `${what}: the card has no psnrY`).toBeTypeOf('number');
  expect(Math.abs((r.mean.model?.psnr ?? 0) - (q?.psnrY ?? 0)), what).toBeLessThan(0.01);
  expect(Math.abs((r.mean.model?.ssim ?? 0) - (q?.ssimY ?? 0)), what).toBeLessThan(0.001);
}

// The H.264 CRF 28 numbers take an ffmpeg encode per image and model: about 2 s a model with the
// clean check on an idle 2-core machine (all four shipped models: 7.5 s), up to 20 s on a busy one.
// UPREZ_EVAL_H264=0 leaves them out.
const checkH264 = process.env['UPREZ_EVAL_H264'] !== '0';
if (!checkH264) console.warn("image-eval: SKIPPING the cards' H.264 CRF 28 numbers (UPREZ_EVAL_H264=0)");

describe.skipIf(!haveSet5)('uprez eval and uprez image with the shipped models', () => {
  // Every shipped model; a scale's default is asked for without --model, so its selection is checked too.
  test.each(models.map((m) => [m.scale, m.name, m.default] as const))(
    'x%d %s (default: %s): beats bicubic on Set5 and agrees with its card, clean and through H.264 CRF 28',
    async (scale, name, isDefault) => {
      const card = models.find((m) => m.name === name);
      const quality = card?.quality as CardQuality;
      const base = ['--set', set5, '--scale', String(scale), '--provider', 'cpu', ...(isDefault ? [] : ['--model', name])];
      const r = await evalJson(base);
      expect(r.model?.name).toBe(name);
      // A heavy-compression family member (denoise level 3) gives up clean quality by design and
      // only runs on such input: it must beat bicubic through H.264 CRF 28 instead.
      const heavy = card?.denoiseLevel === 3;
      if (!heavy) expect(r.mean.gain?.psnr).toBeGreaterThan(0.5);
      expectCardScores(r, quality?.set5, `${name} set5`);
      if ((checkH264 || heavy) && quality?.set5H264Crf28) {
        const h = await evalJson([...base, '--degrade', 'h264:28']);
        expectCardScores(h, quality.set5H264Crf28, `${name} set5H264Crf28`);
        if (heavy) expect(h.mean.gain?.psnr).toBeGreaterThan(0);
      }
    },
  );

  test.skipIf(!defaults[0]?.card)('uprez image: the x2 model restores a downscaled Set5 picture better than bicubic, in RGB', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-image-it-'));
    tmpDirs.push(dir);
    const hr = await decodeRgb8(await readFile(path.join(set5, 'butterfly.png')));
    await writeFile(path.join(dir, 'butterfly.png'), await encodeRgb8(downscaleRgb(hr, 2)));
    const outs: Record<string, Uint8Array> = {};
    for (const model of ['bicubic', undefined]) {
      const io = captureIo();
      const out = path.join(dir, model ?? 'model');
      const code = await runImageCommand(
        [path.join(dir, 'butterfly.png'), '--out', out, '--provider', 'cpu', ...(model ? ['--model', model] : [])],
        io,
      );
      expect(code, io.err()).toBe(0);
      const img = await decodeRgb8(await readFile(path.join(out, 'butterfly.png')));
      expect([img.width, img.height]).toEqual([hr.width, hr.height]);
      outs[model ?? 'model'] = img.data;
    }
    const region = { width: hr.width * 3, height: hr.height, shave: 6 };
    const gain = psnr(outs['model'] as Uint8Array, hr.data, region) - psnr(outs['bicubic'] as Uint8Array, hr.data, region);
    expect(gain).toBeGreaterThan(2);
  });
});

// Bring your own model: an RGB float .onnx given by path, no card (test/fixtures/rgb-x4-sharpen.onnx,
// copied so its card does not travel with it). uprez eval reads the layout from the model, checks
// the scale with the probe run, and runs the frames in tiles.
describe.skipIf(!haveSet5)('uprez eval with an RGB float model from elsewhere', () => {
  test('runs through the RGB adapter end to end; a wrong --scale names the one that fits', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-byo-it-'));
    tmpDirs.push(dir);
    const model = path.join(dir, 'someones-x4.onnx');
    await writeFile(model, await readFile(path.join(repoRoot, 'test', 'fixtures', 'rgb-x4-sharpen.onnx')));
    const r = await evalJson(['--set', set5, '--scale', '4', '--provider', 'cpu', '--model', model]);
    expect(r.model?.name).toBe('someones-x4');
    // A mild sharpen before bicubic: near bicubic, and not a broken picture (that would lose many dB).
    expect(Math.abs(r.mean.gain?.psnr ?? 99)).toBeLessThan(1);
    // The command rejects with the coded error; main.ts prints its one line and exits non-zero.
    await expect(runEvalCommand(['--set', set5, '--scale', '2', '--provider', 'cpu', '--model', model], captureIo())).rejects.toThrow(
      'pass --scale 4',
    );
  });
});

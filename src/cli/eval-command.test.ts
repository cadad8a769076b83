import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRgb8 } from '../image/rgb8-io.js';
import { createRgbImage, type RgbImage } from '../image/rgb-image.js';
import { evaluateImage } from '../eval/sr-eval.js';
import { captureIo } from '../../test/helpers/capture-io.js';
import { listSetImages, runEvalCommand } from './eval-command.js';

function picture(w: number, h: number, seed: number): RgbImage {
  const d = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    d[i * 3] = 128 + Math.round(100 * Math.sin((x + seed) / 4) * Math.cos(y / 6));
    d[i * 3 + 1] = (x * 5 + y * 3 + seed) % 256;
    d[i * 3 + 2] = 90 + ((x * y + seed) % 60);
  }
  return createRgbImage(w, h, d);
}

let dir = '';
const images = { beta: picture(50, 38, 3), alpha: picture(41, 44, 9) };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-eval-cmd-'));
  await mkdir(path.join(dir, 'set'));
  await mkdir(path.join(dir, 'empty'));
  await writeFile(path.join(dir, 'set', 'beta.png'), await encodeRgb8(images.beta));
  await writeFile(path.join(dir, 'set', 'alpha.PNG'), await encodeRgb8(images.alpha));
  await writeFile(path.join(dir, 'set', 'README.txt'), 'not an image');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface JsonReport {
  set: string;
  scale: number;
  model: null;
  degrade: null;
  images: Array<{ name: string; width: number; height: number; bicubic: { psnr: number; ssim: number } }>;
  mean: { bicubic: { psnr: number; ssim: number }; model?: unknown };
}

describe('uprez eval (bicubic baseline)', () => {
  test('lists only PNG/JPEG files, sorted', async () => {
    expect((await listSetImages(path.join(dir, 'set'))).map((f) => path.basename(f))).toEqual(['alpha.PNG', 'beta.png']);
  });

  test('--json gives the protocol numbers per image and their mean', async () => {
    const io = captureIo();
    expect(await runEvalCommand(['--set', path.join(dir, 'set'), '--scale', '2', '--model', 'bicubic', '--json'], io)).toBe(0);
    const r = JSON.parse(io.out()) as JsonReport;
    expect(r.set).toBe('set');
    expect(r.model).toBeNull();
    expect(r.images.map((i) => [i.name, i.width, i.height])).toEqual([
      ['alpha', 40, 44],
      ['beta', 50, 38],
    ]);
    const a = await evaluateImage('alpha', images.alpha, { scale: 2 });
    const b = await evaluateImage('beta', images.beta, { scale: 2 });
    expect(r.images[0]?.bicubic).toEqual(a.bicubic);
    expect(r.mean.bicubic.psnr).toBeCloseTo((a.bicubic.psnr + b.bicubic.psnr) / 2, 10);
    expect(r.mean.model).toBeUndefined();
  });

  test('the table shows each image, the mean and x4 crops', async () => {
    const io = captureIo();
    expect(await runEvalCommand(['--set', path.join(dir, 'set'), '--scale=4', '--model', 'none'], io)).toBe(0);
    const lines = io.out().split('\n');
    expect(lines[0]).toContain('set x4');
    expect(lines.find((l) => l.startsWith('alpha'))).toContain('40x44');
    expect(lines.find((l) => l.startsWith('beta'))).toContain('48x36');
    expect(lines.find((l) => l.startsWith('mean'))).toMatch(/2 images\s+\d+\.\d{3} \/ 0\.\d{4}/);
  });

  test.each([
    [['--scale', '2'], /--set DIR is required/],
    [['--set', 'x'], /--scale 2\|4 is required/],
    [['--set', 'x', '--scale', '2', '--degrade', 'h265:28'], /--degrade must be h264:CRF/],
    [['--set', 'x', '--scale', '2', 'extra'], /unexpected argument "extra"/],
  ])('usage error %j', async (argv, msg) => {
    await expect(runEvalCommand(argv, captureIo())).rejects.toThrow(msg);
  });

  test('an empty or missing set is an error that names it', async () => {
    await expect(runEvalCommand(['--set', path.join(dir, 'empty'), '--scale', '2', '--model', 'bicubic'], captureIo())).rejects.toThrow(
      /has no \.png/,
    );
    await expect(runEvalCommand(['--set', path.join(dir, 'nope'), '--scale', '2', '--model', 'bicubic'], captureIo())).rejects.toThrow(
      /--set .*nope: ENOENT/,
    );
  });

  test('--help prints the usage line', async () => {
    const io = captureIo();
    expect(await runEvalCommand(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^Usage: uprez eval --set DIR --scale 2\|4/);
  });
});

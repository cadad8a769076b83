import { describe, expect, test } from 'vitest';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import { imresizeU8 } from './matlab-imresize.js';
import { createRgbImage, type RgbImage } from '../image/rgb-image.js';
import { bicubicUpscaleMatlab, evaluateImage, meanScores, prepareEvalPair, type ImageEvalResult } from './sr-eval.js';

/** A smooth, coloured test picture (deterministic). */
function picture(w: number, h: number): RgbImage {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      d[i] = 128 + Math.round(90 * Math.sin(x / 5) * Math.cos(y / 7));
      d[i + 1] = (x * 3 + y * 2) % 256;
      d[i + 2] = 60 + ((x * y) % 50);
    }
  }
  return createRgbImage(w, h, d);
}

describe('prepareEvalPair', () => {
  test.each([
    [35, 26, 2, 34, 26, 17, 13],
    [35, 26, 4, 32, 24, 8, 6],
    [24, 36, 3, 24, 36, 8, 12],
  ])('%dx%d at x%d: HR %dx%d, LR %dx%d', (w, h, s, hw, hh, lw, lh) => {
    const p = prepareEvalPair(picture(w, h), s);
    expect([p.width, p.height, p.hrY.length]).toEqual([hw, hh, hw * hh]);
    expect([p.lrWidth, p.lrHeight, p.lrY.length]).toEqual([lw, lh, lw * lh]);
  });

  test('LR Y is MATLAB imresize of HR Y (luma first)', () => {
    const p = prepareEvalPair(picture(40, 40), 4);
    expect(p.lrY).toEqual(imresizeU8(p.hrY, 40, 40, 0.25).data);
  });

  test('a flat grey picture gives flat studio-range Y planes', () => {
    const grey = createRgbImage(16, 16, new Uint8Array(16 * 16 * 3).fill(255));
    const p = prepareEvalPair(grey, 2);
    expect(new Set(p.hrY)).toEqual(new Set([235]));
    expect(new Set(p.lrY)).toEqual(new Set([235]));
    expect(new Set(bicubicUpscaleMatlab(p.lrY, 8, 8, 2))).toEqual(new Set([235]));
  });

  test('rejects a scale below 2', () => {
    expect(() => prepareEvalPair(picture(8, 8), 1)).toThrow(RangeError);
  });
});

describe('evaluateImage', () => {
  const hr = picture(48, 40);

  test('without a model it scores the baseline only', async () => {
    const r = await evaluateImage('p', hr, { scale: 2 });
    expect(r.model).toBeUndefined();
    expect(r.bicubic.psnr).toBeGreaterThan(20);
    expect(r.bicubic.psnr).toBeLessThan(60);
    expect(r.bicubic.ssim).toBeLessThan(1);
  });

  test('a model that returns the ground truth scores Infinity and 1; the input it sees is the LR Y', async () => {
    const pair = prepareEvalPair(hr, 2);
    const seen: Uint8Array[] = [];
    const oracle: LumaUpscaler = {
      upscaleLuma: async (y) => {
        seen.push(y);
        return { y: pair.hrY, inferMs: 1.5 };
      },
    };
    const r = await evaluateImage('p', hr, { scale: 2, model: oracle });
    expect(seen[0]).toEqual(pair.lrY);
    expect(r.model).toEqual({ psnr: Infinity, ssim: 1 });
    expect(r.inferMs).toBe(1.5);
  });

  test('a model that is the protocol bicubic gains nothing', async () => {
    const bicubic: LumaUpscaler = { upscaleLuma: async (y, w, h) => ({ y: bicubicUpscaleMatlab(y, w, h, 4) }) };
    const r = await evaluateImage('p', hr, { scale: 4, model: bicubic });
    expect(r.model).toEqual(r.bicubic);
  });

  test('a degradation feeds both the model and the baseline', async () => {
    const flat = async (y: Uint8Array, w: number, h: number) => {
      expect(y.length).toBe(w * h);
      return new Uint8Array(w * h).fill(100);
    };
    const seen: number[] = [];
    const model: LumaUpscaler = {
      upscaleLuma: async (y, w, h) => {
        seen.push(...new Set(y));
        return { y: new Uint8Array(w * 2 * h * 2).fill(100) };
      },
    };
    const r = await evaluateImage('p', hr, { scale: 2, model, degrade: flat });
    expect(seen).toEqual([100]);
    expect(r.model).toEqual(r.bicubic);
  });

  test('a wrongly sized model output is an error', async () => {
    const bad: LumaUpscaler = { upscaleLuma: async (y) => ({ y }) };
    await expect(evaluateImage('p', hr, { scale: 2, model: bad })).rejects.toThrow(/expected 1920/);
  });
});

describe('meanScores', () => {
  const r = (psnr: number, ssim: number, model?: [number, number]): ImageEvalResult => ({
    name: 'x',
    width: 4,
    height: 4,
    bicubic: { psnr, ssim },
    ...(model ? { model: { psnr: model[0], ssim: model[1] } } : {}),
  });

  test('averages PSNR in dB and reports the gain', () => {
    const m = meanScores([r(30, 0.8, [32, 0.85]), r(34, 0.9, [37, 0.93])]);
    expect(m.bicubic.psnr).toBeCloseTo(32, 12);
    expect(m.bicubic.ssim).toBeCloseTo(0.85, 12);
    expect(m.model?.psnr).toBeCloseTo(34.5, 12);
    expect(m.gain?.psnr).toBeCloseTo(2.5, 12);
    expect(m.gain?.ssim).toBeCloseTo(0.04, 12);
  });

  test('without model scores there is no gain', () => {
    expect(meanScores([r(30, 0.8), r(31, 0.9)])).toEqual({ bicubic: { psnr: 30.5, ssim: expect.closeTo(0.85, 12) } });
  });

  test('refuses an empty set', () => {
    expect(() => meanScores([])).toThrow(/no images/);
  });
});

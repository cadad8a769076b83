import { imresizeF64, imresizeU8, roundU8 } from './matlab-imresize.js';
import { rgbToMatlabY } from './matlab-ycbcr.js';
import { checkUpscaledLuma, type LumaUpscaler } from '../upscale/luma-upscaler.js';
import { psnr } from './psnr.js';
import { modCrop, type RgbImage } from '../image/rgb-image.js';
import { ssim } from './ssim.js';

/**
 * The standard SR evaluation protocol (shared/datasets/README.md), one image at a time, luma-first
 * as SRCNN/FSRCNN evaluate (and as models/train/protocol.py does, so `uprez eval` and the model cards
 * agree): HR cropped to a multiple of the scale; HR Y = MATLAB rgb2ycbcr(HR) Y (uint8); LR Y =
 * MATLAB imresize(HR Y, 1/scale, 'bicubic') (antialiased, uint8 per pass like MATLAB), optionally
 * degraded (H.264); the model upscales LR Y; the baseline is imresize(LR Y, scale, 'bicubic') in
 * float rounded to uint8 once; both are compared with HR Y with `scale` pixels shaved per border.
 * On Set5 this baseline gives 33.648 dB / 0.9294 at x2 and 28.418 dB / 0.8102 at x4
 * (published: 33.66 / 0.9299 and 28.42 / 0.8104, computed with an unrounded float LR).
 */

/** EvalPair is the protocol's ground truth and input for one image. */
export interface EvalPair {
  readonly scale: number;
  /** HR size after the crop. */
  readonly width: number;
  readonly height: number;
  readonly hrY: Uint8Array;
  /** LR size and Y (what the model and the baseline receive when there is no degradation). */
  readonly lrWidth: number;
  readonly lrHeight: number;
  readonly lrY: Uint8Array;
}

/** ImageScores are Y-PSNR (dB) and Y-SSIM of one reconstruction. */
export interface ImageScores {
  readonly psnr: number;
  readonly ssim: number;
}

/** ImageEvalResult holds one image's scores for the bicubic baseline and (when given) the model. */
export interface ImageEvalResult {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly bicubic: ImageScores;
  readonly model?: ImageScores;
  readonly inferMs?: number;
}

/** prepareEvalPair crops HR to a multiple of `scale` and derives HR Y and the clean LR Y. */
export function prepareEvalPair(hrFull: RgbImage, scale: number): EvalPair {
  if (!Number.isInteger(scale) || scale < 2) throw new RangeError(`scale must be a whole number >= 2, got ${scale}`);
  const hr = modCrop(hrFull, scale);
  const hrY = rgbToMatlabY(hr);
  const lr = imresizeU8(hrY, hr.width, hr.height, 1 / scale);
  return { scale, width: hr.width, height: hr.height, hrY, lrWidth: lr.width, lrHeight: lr.height, lrY: lr.data };
}

/** bicubicUpscaleMatlab is the protocol's baseline: imresize(Y, scale, 'bicubic') in float, rounded to uint8 once. */
export function bicubicUpscaleMatlab(y: Uint8Array, width: number, height: number, scale: number): Uint8Array {
  return Uint8Array.from(imresizeF64(y, width, height, scale).data, roundU8);
}

/** scoreY computes PSNR and SSIM of an SR Y plane against the HR Y with `shave` = scale. */
export function scoreY(sr: Uint8Array, pair: EvalPair): ImageScores {
  const region = { width: pair.width, height: pair.height, shave: pair.scale };
  return { psnr: psnr(sr, pair.hrY, region), ssim: ssim(sr, pair.hrY, region) };
}

/** LumaDegrade turns a clean LR Y plane into a degraded one of the same size. */
export type LumaDegrade = (y: Uint8Array, width: number, height: number) => Promise<Uint8Array>;

/** EvalOptions: the model (omit for the baseline alone) and an optional LR degradation. */
export interface EvalOptions {
  readonly scale: number;
  readonly model?: LumaUpscaler;
  readonly degrade?: LumaDegrade;
}

/** evaluateImage runs the protocol on one HR image: baseline always, model when given, same LR input for both. */
export async function evaluateImage(name: string, hr: RgbImage, opts: EvalOptions): Promise<ImageEvalResult> {
  const pair = prepareEvalPair(hr, opts.scale);
  const lw = pair.lrWidth;
  const lh = pair.lrHeight;
  const input = opts.degrade ? await opts.degrade(pair.lrY, lw, lh) : pair.lrY;
  if (input.length !== lw * lh) throw new RangeError(`degraded LR has ${input.length} samples, expected ${lw * lh}`);
  const bicubic = scoreY(bicubicUpscaleMatlab(input, lw, lh, opts.scale), pair);
  const base = { name, width: pair.width, height: pair.height, bicubic };
  if (!opts.model) return base;
  const out = await opts.model.upscaleLuma(input, lw, lh);
  const model = scoreY(checkUpscaledLuma(out.y, lw, lh, opts.scale), pair);
  return out.inferMs === undefined ? { ...base, model } : { ...base, model, inferMs: out.inferMs };
}

/** EvalMeans are the per-set means (the number published tables report) and the model's gain over bicubic. */
export interface EvalMeans {
  readonly bicubic: ImageScores;
  readonly model?: ImageScores;
  readonly gain?: ImageScores;
}

/** meanScores averages per-image PSNR and SSIM (PSNR is averaged in dB, as the protocol does). */
export function meanScores(results: readonly ImageEvalResult[]): EvalMeans {
  if (results.length === 0) throw new RangeError('no images to average');
  const avg = (pick: (r: ImageEvalResult) => ImageScores | undefined): ImageScores | undefined => {
    const s = results.map(pick);
    if (s.some((x) => x === undefined)) return undefined;
    const ok = s as ImageScores[];
    return { psnr: ok.reduce((a, x) => a + x.psnr, 0) / ok.length, ssim: ok.reduce((a, x) => a + x.ssim, 0) / ok.length };
  };
  const bicubic = avg((r) => r.bicubic) as ImageScores;
  const model = avg((r) => r.model);
  if (!model) return { bicubic };
  return { bicubic, model, gain: { psnr: model.psnr - bicubic.psnr, ssim: model.ssim - bicubic.ssim } };
}

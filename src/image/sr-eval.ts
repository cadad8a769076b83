import { imresizeF64, imresizeU8, roundU8 } from './matlab-imresize.js';
import { rgbToMatlabY } from './matlab-ycbcr.js';
import { checkUpscaledLuma, type LumaUpscaler } from './luma-upscaler.js';
import { psnr } from './psnr.js';
import { joinRgb, modCrop, splitRgb, type RgbImage } from './rgb-image.js';
import { ssim } from './ssim.js';

/**
 * The standard SR evaluation protocol (shared/datasets/README.md), one image at a time:
 * HR cropped to a multiple of the scale; LR = MATLAB imresize(HR, 1/scale, 'bicubic') on the uint8
 * RGB image (antialiased, uint8 like MATLAB); optionally degraded (H.264); the model upscales the Y
 * of MATLAB rgb2ycbcr(LR); the baseline is imresize(LR Y, scale, 'bicubic') in float rounded to
 * uint8; both are compared with rgb2ycbcr(HR) Y with `scale` pixels shaved from every border.
 */

/** EvalPair is the protocol's ground truth and input for one image. */
export interface EvalPair {
  readonly scale: number;
  /** HR size after the crop. */
  readonly width: number;
  readonly height: number;
  readonly hrY: Uint8Array;
  /** LR RGB (what a degradation encodes) and its Y (what the model and the baseline receive). */
  readonly lr: RgbImage;
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

/** downscaleRgbMatlab is MATLAB imresize(img, 1/scale, 'bicubic') on a uint8 RGB image. */
export function downscaleRgbMatlab(img: RgbImage, scale: number): RgbImage {
  const [r, g, b] = splitRgb(img).planes.map((c) => imresizeU8(c, img.width, img.height, 1 / scale).data);
  const width = Math.ceil(img.width / scale);
  const height = Math.ceil(img.height / scale);
  return joinRgb({ width, height, planes: [r as Uint8Array, g as Uint8Array, b as Uint8Array] });
}

/** prepareEvalPair crops HR to a multiple of `scale` and derives the clean LR and both Y planes. */
export function prepareEvalPair(hrFull: RgbImage, scale: number): EvalPair {
  if (!Number.isInteger(scale) || scale < 2) throw new RangeError(`scale must be a whole number >= 2, got ${scale}`);
  const hr = modCrop(hrFull, scale);
  const lr = downscaleRgbMatlab(hr, scale);
  return { scale, width: hr.width, height: hr.height, hrY: rgbToMatlabY(hr), lr, lrY: rgbToMatlabY(lr) };
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

/** EvalOptions: the model (omit for the baseline alone) and an optional LR degradation returning the degraded Y. */
export interface EvalOptions {
  readonly scale: number;
  readonly model?: LumaUpscaler;
  readonly degrade?: (lr: RgbImage) => Promise<Uint8Array>;
}

/** evaluateImage runs the protocol on one HR image: baseline always, model when given, same LR input for both. */
export async function evaluateImage(name: string, hr: RgbImage, opts: EvalOptions): Promise<ImageEvalResult> {
  const pair = prepareEvalPair(hr, opts.scale);
  const lw = pair.lr.width;
  const lh = pair.lr.height;
  const input = opts.degrade ? await opts.degrade(pair.lr) : pair.lrY;
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

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, UprezError } from '../errors.js';
import { resolveFfmpegBinaries } from '../ffmpeg/binaries.js';
import { formatDegradeSpec, parseDegradeSpec, type DegradeSpec } from '../eval/degrade-spec.js';
import { evalReportJson, formatEvalTable, type EvalReport } from '../eval/eval-report.js';
import { degradeLumaH264 } from '../eval/h264-degrade.js';
import { isBicubicModel, openLumaModel, type OpenedLumaModel } from '../upscale/open-model.js';
import { decodeRgb8 } from '../image/rgb8-io.js';
import { evaluateImage, meanScores, type ImageEvalResult, type LumaDegrade } from '../eval/sr-eval.js';
import type { CliIo, Command } from './cli-io.js';
import { cliLogger, parseProviderFlag, parseScaleFlag, stringFlag } from './shared-flags.js';
import { parseFlags } from './parse-flags.js';

/** EVAL_USAGE is the help text of `uprez eval`. */
export const EVAL_USAGE = [
  'Usage: uprez eval --set DIR --scale 2|4 [--model NAME|PATH|bicubic] [--provider auto|cpu|cuda] [--degrade h264:CRF] [--json]',
  '',
  'The standard SR protocol on every PNG/JPEG in DIR (e.g. ../shared/datasets/val/Set5): HR cropped',
  'to a multiple of the scale, Y of MATLAB rgb2ycbcr, LR = MATLAB imresize bicubic (antialiased),',
  'baseline = MATLAB bicubic upscale, PSNR/SSIM on Y with `scale` pixels shaved. Prints a table per',
  'image and the mean for the model and for bicubic, plus the gain.',
  '  --model     model NAME in models/, a path to an .onnx file, or bicubic (baseline only);',
  '              default: the default model for the scale, or the baseline alone if there is none',
  '  --degrade   h264:CRF encodes each LR with libx264 at CRF (0-51) and decodes it before upscaling',
  '  --json      print the results as JSON instead of the table',
  '',
].join('\n');

const SPEC = {
  set: { type: 'string' },
  scale: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  degrade: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** listSetImages returns the PNG/JPEG files of an evaluation set, sorted by name (what published tables average). */
export async function listSetImages(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new UprezError('EVAL_SET_UNREADABLE', `--set ${dir}: ${errorMessage(err)}`);
  }
  const files = names.filter((n) => IMAGE_EXT.has(path.extname(n).toLowerCase())).sort();
  if (files.length === 0) throw new UprezError('EVAL_SET_EMPTY', `--set ${dir} has no .png/.jpg/.jpeg images`);
  return files.map((n) => path.join(dir, n));
}

/** openEvalModel opens the requested model; without --model it falls back to the baseline alone when no model exists for the scale. */
async function openEvalModel(
  io: CliIo,
  model: string | undefined,
  scale: 2 | 4,
  provider: ReturnType<typeof parseProviderFlag>,
): Promise<OpenedLumaModel | null> {
  if (isBicubicModel(model)) return null;
  try {
    return await openLumaModel({ model, scale, provider, log: cliLogger(io, 'eval') });
  } catch (err) {
    // Only "there is no default model for this scale" falls back; a broken or named model is an error.
    if (model !== undefined || !(err instanceof UprezError) || err.code !== 'MODEL_NOT_FOUND') throw err;
    io.stderr.write(`uprez eval: ${err.message}\nuprez eval: printing the bicubic baseline only\n`);
    return null;
  }
}

/** h264Degrade returns the LR degradation for a spec, with ffmpeg found the way `uprez serve` finds it. */
function h264Degrade(spec: DegradeSpec, io: CliIo): LumaDegrade {
  const { ffmpeg } = resolveFfmpegBinaries(io.env);
  return (y, width, height) => degradeLumaH264(y, width, height, { ffmpeg, crf: spec.crf });
}

/**
 * runEvalCommand is `uprez eval --set DIR --scale 2|4 [--model NAME|PATH|bicubic]
 * [--provider auto|cpu|cuda] [--degrade h264:CRF] [--json]`: the standard SR evaluation protocol.
 */
export const runEvalCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(EVAL_USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw new UprezError('CLI_BAD_ARG', `unexpected argument "${positionals[0]}" (the set is given with --set DIR)`);
  const setDir = stringFlag(values['set']);
  if (!setDir) throw new UprezError('CLI_MISSING_FLAG', '--set DIR is required (e.g. --set ../shared/datasets/val/Set5)');
  const scale = parseScaleFlag(values['scale'], undefined);
  if (scale === undefined) throw new UprezError('CLI_MISSING_FLAG', '--scale 2|4 is required');
  const provider = parseProviderFlag(values['provider']);
  const degradeText = stringFlag(values['degrade']);
  const degradeSpec = degradeText === undefined ? null : parseDegradeSpec(degradeText);
  const degrade = degradeSpec ? h264Degrade(degradeSpec, io) : undefined;
  const files = await listSetImages(setDir);

  const model = await openEvalModel(io, stringFlag(values['model']), scale, provider);
  const images: ImageEvalResult[] = [];
  try {
    for (const file of files) {
      const hr = await decodeRgb8(await readFile(file));
      const name = path.basename(file, path.extname(file));
      images.push(await evaluateImage(name, hr, { scale, ...(model ? { model: model.upscaler } : {}), ...(degrade ? { degrade } : {}) }));
    }
  } finally {
    await model?.close();
  }
  const report: EvalReport = {
    set: path.basename(path.resolve(setDir)),
    scale,
    model: model ? { name: model.name, provider: model.provider } : null,
    degrade: degradeSpec ? formatDegradeSpec(degradeSpec) : null,
    images,
    mean: meanScores(images),
  };
  io.stdout.write(values['json'] ? evalReportJson(report) : formatEvalTable(report));
  return 0;
};

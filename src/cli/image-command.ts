import { mkdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { countImages, runImageBatch, type BatchEvent, type BatchSummary } from '../image/image-batch.js';
import { DEFAULT_QUALITY, type ProfileMode } from '../image/image-codec.js';
import { isOutputFormat, type OutputFormat } from '../image/image-format.js';
import { inlineJobRunner, workerJobRunner } from '../image/image-job-runner.js';
import type { WalkOptions } from '../image/image-walk.js';
import { isBicubicModel, openLumaModel } from '../upscale/open-model.js';
import { lumaForLevels, openDenoiseModelSet, type DenoiseModelSet } from '../image/denoise-models.js';
import { parseDenoiseFlag } from '../upscale/denoise-pick.js';
import type { CliIo, Command } from './cli-io.js';
import { chooseDenoiseModel } from '../upscale/denoise-model-choice.js';
import { parseFlags } from './parse-flags.js';
import { createProgress, progressStream, type Progress } from './progress.js';
import { cliLogger, parseIntFlag, parseProviderFlag, parseScaleFlag, stringFlag } from './shared-flags.js';

/** IMAGE_USAGE is the help text of `uprez image`. */
export const IMAGE_USAGE = [
  'Usage: uprez image IN... --out DIR [--scale 2|4] [--model NAME|PATH|bicubic] [--denoise auto|0|1|2|3]',
  '                   [--format png|jpeg|webp|avif|tiff]',
  '                   [--quality 1-100] [--profile keep|srgb] [--metadata] [--jobs N] [--force] [--fail-on-error]',
  '                   [--provider auto|cpu|cuda] [--json]',
  '',
  'Upscales PNG, JPEG, WebP, AVIF, TIFF, GIF (first frame) and HEIF (AV1) images through libvips. A file',
  'IN is written as DIR/<base name>.<ext>; a folder IN is walked (sorted, sub-folders included,',
  'non-image files ignored) and its sub-folders are kept under DIR. Photos are turned upright by their',
  'EXIF orientation. Y (full-range BT.601, as in JPEG) goes through the model at 8 bits; chroma, alpha',
  'and, for 16-bit inputs, the luma detail below 8 bits go through bicubic, so transparency is kept and',
  '16-bit PNG/TIFF stay 16-bit (JPEG, WebP and AVIF are written at 8 bits; JPEG flattens transparency',
  'onto white). Pictures are processed in tiles through working files beside the outputs, so memory',
  'does not grow with the picture. Each output is written to a temp file and renamed, so a killed run',
  'leaves no half file; a complete output newer than its input is skipped on a rerun. A file that',
  'cannot be read or decoded gets one line on stderr and the batch goes on.',
  '  --scale          2 (default) or 4',
  '  --model          model NAME in models/, a path to an .onnx file, or bicubic (no network);',
  '                   default: the default model for the scale',
  "  --denoise        compression the input carries, like waifu2x's noise level: 0 none (the model as",
  '                   chosen), 1 light (JPEG q 87-93), 2 medium (q 43-86), 3 heavy (q <= 42); a level',
  "                   runs the model family's member trained for it (uprez-x2-fast-dN when the model has",
  "                   none: said on the output line); auto (default): per image, from a JPEG's",
  '                   quantisation tables (lossless formats, lossy WebP/AVIF/HEIF: 0). README "Denoise levels"',
  '  --format         output format: png, jpeg (.jpg), webp, avif or tiff (.tif); default: the format',
  '                   of each input (PNG for GIF and HEIF)',
  `  --quality        JPEG, WebP and AVIF quality, 1-100 (default ${DEFAULT_QUALITY}); PNG and TIFF are lossless`,
  '  --profile        keep (default): keep the ICC colour profile and the pixel values; srgb: convert',
  '                   the colours to sRGB (CMYK is always converted)',
  '  --metadata       also keep EXIF (orientation set to 1), XMP and IPTC (default: only the ICC profile)',
  '  --jobs           images in flight at once, each on its own thread (default: the number of cores)',
  '  --force          upscale again even when the output is up to date (also after changing --scale/--model)',
  '  --fail-on-error  exit 1 when any image failed (default: exit 0, the failures are reported)',
  '  --provider       onnxruntime execution provider: auto (default), cpu, cuda',
  '  --json           one JSON object per line on stdout (each input, then a summary with "summary": true);',
  '                   progress as JSON lines on stderr',
  '',
].join('\n');

const SPEC = {
  out: { type: 'string' },
  scale: { type: 'string' },
  model: { type: 'string' },
  denoise: { type: 'string' },
  format: { type: 'string' },
  quality: { type: 'string' },
  profile: { type: 'string' },
  metadata: { type: 'boolean' },
  jobs: { type: 'string' },
  force: { type: 'boolean' },
  'fail-on-error': { type: 'boolean' },
  provider: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** parseFormatFlag reads --format (png, jpeg or its alias jpg, webp, avif, tiff or its alias tif; undefined when absent: keep each input's format). */
export function parseFormatFlag(v: unknown): OutputFormat | undefined {
  if (v === undefined) return undefined;
  const s = v === 'jpg' ? 'jpeg' : v === 'tif' ? 'tiff' : String(v);
  if (!isOutputFormat(s)) throw new UprezError('CLI_BAD_FLAG', `--format must be png, jpeg, webp, avif or tiff, got "${String(v)}"`);
  return s;
}

/** parseProfileFlag reads --profile (keep or srgb; keep when absent). */
export function parseProfileFlag(v: unknown): ProfileMode {
  if (v === undefined) return 'keep';
  if (v !== 'keep' && v !== 'srgb') throw new UprezError('CLI_BAD_FLAG', `--profile must be keep or srgb, got "${String(v)}"`);
  return v;
}

/** Ignored inputs worth a note: anything but a plain non-image file in a walked folder (those are expected). */
const SILENT_IGNORE = 'not an image file name';

/** eventLine is the text form of one event and the stream it goes to (failures and notes on stderr). */
function eventLine(e: BatchEvent): { line: string; err: boolean } | undefined {
  switch (e.kind) {
    case 'done': {
      const ms = e.inferMs === null ? '' : ` (${e.inferMs.toFixed(0)} ms model)`;
      const notes = e.notes.length ? `; ${e.notes.join('; ')}` : '';
      return { line: `${e.input} -> ${e.output}  ${e.width}x${e.height} -> ${e.outWidth}x${e.outHeight}${ms}${notes}`, err: false };
    }
    case 'skipped':
      return { line: `${e.input} -> ${e.output}  skipped (${e.reason})`, err: false };
    case 'failed':
      return { line: `uprez image: ${e.input}: ${e.reason}`, err: true };
    case 'ignored':
      return e.reason === SILENT_IGNORE ? undefined : { line: `uprez image: note: ${e.input}: ${e.reason}, ignored`, err: true };
  }
}

/** eventJson is the --json object of one event. */
function eventJson(e: BatchEvent, model: string): Record<string, unknown> {
  switch (e.kind) {
    case 'done':
      return {
        input: e.input,
        output: e.output,
        width: e.width,
        height: e.height,
        outWidth: e.outWidth,
        outHeight: e.outHeight,
        model,
        inferMs: e.inferMs,
        notes: e.notes,
      };
    case 'skipped':
      return { input: e.input, output: e.output, skipped: e.reason };
    case 'failed':
      return { input: e.input, error: e.reason };
    case 'ignored':
      return { input: e.input, ignored: e.reason };
  }
}

/** summaryLine is the closing text line: counts, model and time. */
function summaryLine(s: BatchSummary, model: { name: string; provider: string; scale: number }, outDir: string): string {
  const parts = [`upscaled ${s.done}`, `skipped ${s.skipped} up to date`, `failed ${s.failed}`];
  if (s.ignored) parts.push(`ignored ${s.ignored} non-image`);
  if (s.stopped) parts.push('stopped early');
  return `${parts.join(', ')} — x${model.scale} with ${model.name} (${model.provider}) into ${outDir} in ${s.seconds.toFixed(1)} s`;
}

/**
 * imageProgress is a bar on a terminal and JSON lines with --json, on stderr. Text output to a
 * pipe or file gets none: each image already prints its own line as it finishes.
 */
async function imageProgress(io: CliIo, inputs: readonly string[], walk: WalkOptions, json: boolean): Promise<Progress | undefined> {
  if (!json && !io.stderr.isTTY) return undefined;
  const total = await countImages(inputs, walk);
  return createProgress({ label: 'image', total, unit: 'images', json, out: progressStream(io.stderr) });
}

/**
 * runImageCommand is `uprez image IN... --out DIR [options]` (see IMAGE_USAGE): upscales files and
 * folders of images into DIR, several images at once, skipping outputs that are up to date.
 */
export const runImageCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(IMAGE_USAGE);
    return 0;
  }
  const outFlag = values['out'];
  if (typeof outFlag !== 'string' || outFlag === '') throw new UprezError('CLI_MISSING_FLAG', '--out DIR is required');
  if (positionals.length === 0)
    throw new UprezError('CLI_MISSING_ARG', 'give at least one input image or folder (uprez image IN... --out DIR)');
  const scale = parseScaleFlag(values['scale'], 2) as 2 | 4;
  const format = parseFormatFlag(values['format']);
  const quality = parseIntFlag('quality', values['quality'], 1, 100, DEFAULT_QUALITY);
  const profile = parseProfileFlag(values['profile']);
  const jobs = parseIntFlag('jobs', values['jobs'], 1, 64, availableParallelism());
  const json = values['json'] === true;
  const provider = parseProviderFlag(values['provider']);
  const outDir = path.resolve(outFlag);
  await mkdir(outDir, { recursive: true });
  const outStat = await stat(outDir);
  // The output folder is never walked, even when it lies inside an input folder.
  const walk: WalkOptions = { exclude: { dev: outStat.dev, ino: outStat.ino } };

  // Default auto: on lossless input it is exactly the model asked for; on JPEG below quality 94 the
  // family member gains 0.4-1.2 dB more over bicubic than uprez-x2 (Set5 x2, models/README.md).
  const explicitDenoise = parseDenoiseFlag(values['denoise']);
  const denoise = explicitDenoise ?? 'auto';
  // An explicit level picks its model once (and fails here when none serves it); auto picks per image.
  const fixed = typeof denoise === 'number' ? chooseDenoiseModel({ model: stringFlag(values['model']), scale }, denoise, false) : undefined;
  if (fixed?.note) io.stderr.write(`uprez image: note: ${fixed.note}\n`);
  const openOpts = {
    model: fixed ? fixed.model : stringFlag(values['model']),
    scale,
    provider,
    workers: Math.min(jobs, availableParallelism()),
    log: cliLogger(io, 'image'),
  };
  const model = await openLumaModel(openOpts);
  const levels: DenoiseModelSet | undefined =
    denoise === 'auto' && !isBicubicModel(openOpts.model)
      ? openDenoiseModelSet(model, { model: openOpts.model, scale }, (m) => openLumaModel({ ...openOpts, model: m }))
      : undefined;
  const runner = jobs > 1 ? workerJobRunner(jobs) : inlineJobRunner();
  const abort = new AbortController();
  const onSignal = (): void => {
    io.stderr.write('uprez image: stopping after the images in flight; rerun the same command to go on\n');
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let progress: Progress | undefined;
  let summary: BatchSummary;
  try {
    progress = await imageProgress(io, positionals, walk, json);
    // The bar leaves the cursor at column 0 of its line; erasing that line first keeps a result
    // line from ending in the tail of the bar.
    const lead = progress && !json && io.stdout.isTTY ? '\x1b[2K' : '';
    const n = { done: 0, ok: 0, skipped: 0, failed: 0 };
    summary = await runImageBatch({
      inputs: positionals,
      outDir,
      scale: model.scale,
      format,
      quality,
      profile,
      metadata: values['metadata'] === true,
      force: values['force'] === true,
      inFlight: jobs,
      luma: model.upscaler,
      ...(levels ? { lumaFor: lumaForLevels(levels, explicitDenoise === undefined) } : {}),
      runner,
      walk,
      signal: abort.signal,
      onEvent: (e) => {
        if (json) io.stdout.write(JSON.stringify(eventJson(e, model.name)) + '\n');
        else {
          const text = eventLine(e);
          if (text) (text.err ? io.stderr : io.stdout).write(lead + text.line + '\n');
        }
        if (e.kind === 'ignored') return;
        n.done++;
        if (e.kind === 'done') n.ok++;
        else n[e.kind]++;
        progress?.update(n.done, { ok: n.ok, skipped: n.skipped, failed: n.failed });
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.finish();
    await runner.close();
    await levels?.close();
    await model.close();
  }
  if (json) {
    const { done, skipped, failed, ignored, seconds } = summary;
    const obj = {
      summary: true,
      ok: done,
      skipped,
      failed,
      ignored,
      total: done + skipped + failed,
      stopped: summary.stopped,
      scale: model.scale,
      model: model.name,
      provider: model.provider,
      outDir,
      seconds: Math.round(seconds * 10) / 10,
    };
    io.stdout.write(JSON.stringify(obj) + '\n');
  } else {
    io.stdout.write(summaryLine(summary, model, outDir) + '\n');
  }
  if (summary.stopped) return 130;
  return values['fail-on-error'] === true && summary.failed > 0 ? 1 : 0;
};

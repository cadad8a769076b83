import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, UprezError } from '../errors.js';
import { decodeImage } from '../image/decode-image.js';
import { encodePng } from '../image/encode-png.js';
import { openLumaModel, type OpenedLumaModel, type ProviderChoice } from '../image/open-model.js';
import { outputNameFor, outputPathIn } from '../image/output-name.js';
import { upscaleRgb } from '../image/upscale-rgb.js';
import { createLogger } from '../log/logger.js';
import type { CliIo, Command } from './cli-io.js';
import { parseFlags } from './parse-flags.js';
import { createProgress, progressStream, type Progress } from './progress.js';

/** IMAGE_USAGE is the help text of `uprez image`. */
export const IMAGE_USAGE = [
  'Usage: uprez image IN... --out DIR [--scale 2|4] [--model NAME|PATH|bicubic] [--provider auto|cpu|cuda] [--json]',
  '',
  'Upscales PNG/JPEG images and writes DIR/<base name>.png (DIR is created). Y (full-range BT.601,',
  'as in JPEG) goes through the model, Cb/Cr through bicubic; alpha is dropped. A file that cannot be',
  'read or decoded is reported and skipped; the exit code is 1 if any failed.',
  '  --scale     2 (default) or 4',
  '  --model     model NAME in models/, a path to an .onnx file, or bicubic (no network);',
  '              default: the default model for the scale',
  '  --provider  onnxruntime execution provider: auto (default), cpu, cuda',
  '  --json      one JSON object per line on stdout (each image, then a summary with "summary": true);',
  '              progress as JSON lines on stderr',
  '',
].join('\n');

const SPEC = {
  out: { type: 'string' },
  scale: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** parseScaleFlag reads --scale (2 or 4; `def` when absent). */
export function parseScaleFlag(v: unknown, def: 2 | 4 | undefined): 2 | 4 | undefined {
  if (v === undefined) return def;
  if (v !== '2' && v !== '4') throw new UprezError('CLI_BAD_FLAG', `--scale must be 2 or 4, got "${String(v)}"`, 'cli');
  return Number(v) as 2 | 4;
}

/** parseProviderFlag reads --provider (auto, cpu or cuda; auto when absent). */
export function parseProviderFlag(v: unknown): ProviderChoice {
  if (v === undefined) return 'auto';
  if (v !== 'auto' && v !== 'cpu' && v !== 'cuda') throw new UprezError('CLI_BAD_FLAG', `--provider must be auto, cpu or cuda, got "${String(v)}"`, 'cli');
  return v;
}

/** stringFlag narrows a parsed value-taking flag to string | undefined. */
export function stringFlag(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** cliLogger sends warnings (and errors) of the model runner to stderr, one line each. */
export function cliLogger(io: CliIo, command: string) {
  return createLogger({ level: 'warn', sink: (line) => io.stderr.write(line + '\n'), fields: { stage: 'cli', command } });
}

/** writeFileReplacing writes via a temp file in the same directory and a rename, so an existing symlink is replaced, never followed. */
async function writeFileReplacing(file: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Inputs larger than this are refused before reading (no image uprez can decode is this big). */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return errorMessage(err);
}

/** readInput reads a regular file of sane size (never a FIFO or a device such as /dev/zero). */
async function readInput(input: string): Promise<Buffer> {
  try {
    const st = await stat(input);
    if (st.isDirectory()) throw new Error('is a directory');
    if (!st.isFile()) throw new Error('is not a regular file');
    if (st.size > MAX_INPUT_BYTES) throw new Error(`is ${st.size} bytes, more than ${MAX_INPUT_BYTES}`);
    return await readFile(input);
  } catch (err) {
    throw new Error(readError(err));
  }
}

/** ImageResult is what one upscaled input reports (the text line and the --json object). */
interface ImageResult {
  readonly input: string;
  readonly output: string;
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
  readonly model: string;
  readonly inferMs: number | null;
}

/** upscaleOne reads, upscales and writes one input; it returns what to report or throws a message for the error line. */
async function upscaleOne(input: string, outPath: string, model: OpenedLumaModel, scale: number): Promise<ImageResult> {
  const bytes = await readInput(input);
  const img = decodeImage(bytes);
  const up = await upscaleRgb(img, scale, model.upscaler);
  await writeFileReplacing(outPath, encodePng(up.image));
  const inferMs = up.inferMs === undefined ? null : Math.round(up.inferMs * 10) / 10;
  return { input, output: outPath, width: img.width, height: img.height, outWidth: up.image.width, outHeight: up.image.height, model: model.name, inferMs };
}

function resultLine(r: ImageResult): string {
  const ms = r.inferMs === null ? '' : ` (${r.model} ${r.inferMs.toFixed(0)} ms)`;
  return `${r.input} -> ${r.output}  ${r.width}x${r.height} -> ${r.outWidth}x${r.outHeight}${ms}`;
}

/**
 * imageProgress is a bar on a terminal and JSON lines with --json, on stderr. Text output to a
 * pipe or file gets none: each image already prints its own line as it finishes.
 */
function imageProgress(io: CliIo, total: number, json: boolean): Progress | undefined {
  if (!json && !io.stderr.isTTY) return undefined;
  return createProgress({ label: 'image', total, unit: 'images', json, out: progressStream(io.stderr) });
}

/**
 * runImageCommand is `uprez image IN... --out DIR [--scale 2|4] [--model NAME|PATH|bicubic]
 * [--provider auto|cpu|cuda]`: upscales each image and writes a PNG with the same base name into DIR.
 */
export const runImageCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(IMAGE_USAGE);
    return 0;
  }
  const outFlag = values['out'];
  if (typeof outFlag !== 'string' || outFlag === '') throw new UprezError('CLI_MISSING_FLAG', '--out DIR is required', 'cli');
  if (positionals.length === 0) throw new UprezError('CLI_MISSING_ARG', 'give at least one input image (uprez image IN... --out DIR)', 'cli');
  const scale = parseScaleFlag(values['scale'], 2) as 2 | 4;
  const json = values['json'] === true;
  const provider = parseProviderFlag(values['provider']);
  const outDir = path.resolve(outFlag);
  await mkdir(outDir, { recursive: true });

  const started = performance.now();
  const model = await openLumaModel({ model: stringFlag(values['model']), scale, provider, log: cliLogger(io, 'image') });
  let ok = 0;
  const failed: string[] = [];
  const taken = new Map<string, string>();
  const progress = imageProgress(io, positionals.length, json);
  // The bar leaves the cursor at column 0 of its line; erasing that line first keeps a result
  // line from ending in the tail of the bar.
  const lead = progress && !json && io.stdout.isTTY ? '\x1b[2K' : '';
  try {
    for (const input of positionals) {
      try {
        const name = outputNameFor(input);
        const outPath = outputPathIn(outDir, name);
        const earlier = taken.get(name);
        if (earlier !== undefined) throw new Error(`${name} was already written for ${earlier} in this run`);
        if (path.resolve(input) === outPath) throw new Error(`would overwrite its own input ${outPath}`);
        const result = await upscaleOne(input, outPath, model, model.scale);
        io.stdout.write(json ? JSON.stringify(result) + '\n' : lead + resultLine(result) + '\n');
        taken.set(name, input);
        ok++;
      } catch (err) {
        failed.push(input);
        if (json) io.stdout.write(JSON.stringify({ input, error: errorMessage(err) }) + '\n');
        else io.stderr.write(`${lead}uprez image: ${input}: ${errorMessage(err)}\n`);
      }
      progress?.update(ok + failed.length, { ok, failed: failed.length });
    }
  } finally {
    progress?.finish();
    await model.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (json) {
    const summary = { summary: true, ok, failed, total: positionals.length, scale: model.scale, model: model.name, provider: model.provider, outDir, seconds: Number(seconds) };
    io.stdout.write(JSON.stringify(summary) + '\n');
    return failed.length ? 1 : 0;
  }
  const summary = `upscaled ${ok} of ${positionals.length} image${positionals.length === 1 ? '' : 's'} x${model.scale} with ${model.name} (${model.provider}) into ${outDir} in ${seconds} s`;
  io.stdout.write(failed.length ? `${summary}; ${failed.length} failed: ${failed.join(', ')}\n` : `${summary}\n`);
  return failed.length ? 1 : 0;
};

/**
 * The model registry: models/NAME.onnx plus its card models/NAME.json.
 *
 * A card says at least the scale and the input layout; the rest (training data, quality,
 * cost, license ...) is kept as-is for reports. `--model` takes a NAME from the folder or a
 * path to an .onnx file; without it the default model for the scale is picked.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UprezError, errorMessage } from '../errors.js';
import type { DenoiseLevel } from './denoise-choice.js';

/**
 * ModelLayout is the tensor layout a model takes: uint8 Y [1,1,H,W] (the uprez contract, our
 * models) or RGB float [1,3,H,W] in 0..1 (the common export of SR networks from elsewhere; the
 * runner feeds it the Y plane as grey, in tiles).
 */
export type ModelLayout = 'y_uint8' | 'rgb_float';

const LAYOUTS: readonly ModelLayout[] = ['y_uint8', 'rgb_float'];

/** ModelCard is a parsed models/NAME.json next to its models/NAME.onnx. */
export interface ModelCard {
  /** NAME: the file stem, what `--model` takes. */
  readonly name: string;
  readonly scale: number;
  readonly layout: ModelLayout;
  readonly description: string;
  /** The model picked for its scale when `--model` is not given. */
  readonly default: boolean;
  /**
   * The model `uprez serve` picks for its scale when `--model` is not given ("liveDefault" in the
   * card): live streams need one that keeps up with the frame rate on a CPU, files the best one.
   * Without such a card the scale's default serves live too.
   */
  readonly liveDefault: boolean;
  /**
   * The cheap model a live stream steps down to before bicubic when its model cannot keep up
   * ("liveFallback" in the card): the model ladder's lower rung.
   */
  readonly liveFallback: boolean;
  /** The compression the model was trained for ("denoiseLevel": 0 none .. 3 heavy), when the card says. */
  readonly denoiseLevel?: DenoiseLevel;
  /** The family of per-level models it belongs to ("family": its level-0 model's NAME), when the card says. */
  readonly family?: string;
  /** Multiply-accumulates per input pixel, when the card says. */
  readonly macsPerPixel?: number;
  /** Quality figures as the card states them (e.g. PSNR/SSIM per validation set); shape is the card's. */
  readonly quality?: unknown;
  readonly license?: string;
  /** rgb_float tiling, when the card sets it ("tile": { "size": LR px, "overlap": LR px }). */
  readonly tile?: TileSettings;
  /** Absolute path of the .onnx file. */
  readonly path: string;
  /** Absolute path of the card. */
  readonly cardPath: string;
  /** The whole card as parsed, extra fields included. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** TileSettings: rgb_float models run on tiles of at most `size` LR pixels a side with `overlap` px of context. */
export interface TileSettings {
  readonly size: number;
  readonly overlap: number;
}

/**
 * ResolvedModel is what the runner loads: a file, its scale, and its card when there is one.
 * Without a card the layout is 'detect' (read from the model's input at load) and the scale is
 * the asked one, which the runner checks against the scale a probe run shows.
 */
export interface ResolvedModel {
  readonly name: string;
  readonly path: string;
  readonly scale: number;
  readonly layout: ModelLayout | 'detect';
  readonly card: ModelCard | null;
}

/** NAME rule: letters, digits, '.', '_', '-', not starting with '.', so a NAME never leaves the folder. */
const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** isModelName says whether `s` is a valid model NAME (as opposed to a path or junk). */
export function isModelName(s: string): boolean {
  return NAME_RE.test(s);
}

function cardError(cardPath: string, what: string): UprezError {
  return new UprezError('MODEL_CARD_INVALID', `model card ${cardPath}: ${what}`);
}

/** parseModelCard validates a card's JSON (pure; extra fields are kept, not rejected). */
export function parseModelCard(json: unknown, name: string, onnxPath: string, cardPath: string): ModelCard {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw cardError(cardPath, 'must be a JSON object');
  const f = json as Record<string, unknown>;
  if (f['name'] !== undefined && f['name'] !== name) {
    throw cardError(cardPath, `"name" is ${JSON.stringify(f['name'])} but the file is ${name}.json (they must match)`);
  }
  const scale = f['scale'];
  if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 1 || scale > 16) {
    throw cardError(cardPath, `"scale" must be a whole number such as 2 or 4, got ${JSON.stringify(scale)}`);
  }
  const layout = f['layout'] ?? 'y_uint8';
  if (typeof layout !== 'string' || !(LAYOUTS as readonly string[]).includes(layout)) {
    throw cardError(cardPath, `"layout" must be one of ${LAYOUTS.join(', ')}, got ${JSON.stringify(layout)}`);
  }
  const description = f['description'] ?? '';
  if (typeof description !== 'string') throw cardError(cardPath, '"description" must be a string');
  const isDefault = f['default'] ?? false;
  if (typeof isDefault !== 'boolean') throw cardError(cardPath, '"default" must be true or false');
  const liveDefault = f['liveDefault'] ?? false;
  if (typeof liveDefault !== 'boolean') throw cardError(cardPath, '"liveDefault" must be true or false');
  const liveFallback = f['liveFallback'] ?? false;
  if (typeof liveFallback !== 'boolean') throw cardError(cardPath, '"liveFallback" must be true or false');
  const macs = f['macsPerPixel'];
  if (macs !== undefined && (typeof macs !== 'number' || !(macs >= 0))) throw cardError(cardPath, '"macsPerPixel" must be a number >= 0');
  const license = f['license'];
  if (license !== undefined && typeof license !== 'string') throw cardError(cardPath, '"license" must be a string');
  const tile = parseTile(f['tile'], cardPath);
  const level = f['denoiseLevel'];
  if (level !== undefined && level !== 0 && level !== 1 && level !== 2 && level !== 3) {
    throw cardError(cardPath, `"denoiseLevel" must be 0, 1, 2 or 3, got ${JSON.stringify(level)}`);
  }
  const family = f['family'];
  if (family !== undefined && (typeof family !== 'string' || !isModelName(family))) {
    throw cardError(cardPath, `"family" must be a model NAME, got ${JSON.stringify(family)}`);
  }
  return {
    name,
    scale,
    layout: layout as ModelLayout,
    description,
    default: isDefault,
    liveDefault,
    liveFallback,
    ...(level !== undefined ? { denoiseLevel: level as DenoiseLevel } : {}),
    ...(family !== undefined ? { family: family as string } : {}),
    ...(macs !== undefined ? { macsPerPixel: macs as number } : {}),
    ...(f['quality'] !== undefined ? { quality: f['quality'] } : {}),
    ...(license !== undefined ? { license: license as string } : {}),
    ...(tile ? { tile } : {}),
    path: onnxPath,
    cardPath,
    fields: f,
  };
}

function parseTile(v: unknown, cardPath: string): TileSettings | undefined {
  if (v === undefined) return undefined;
  const t = v as { size?: unknown; overlap?: unknown } | null;
  const ok = (n: unknown, min: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= 4096;
  if (typeof t !== 'object' || t === null || !ok(t.size, 16) || !ok(t.overlap, 0) || t.overlap * 2 >= t.size) {
    throw cardError(cardPath, `"tile" must be { "size": 16..4096, "overlap": 0..size/2 } (LR pixels), got ${JSON.stringify(v)}`);
  }
  return { size: t.size, overlap: t.overlap };
}

/** readModelCard reads and validates one card file; errors name the file. */
export function readModelCard(cardPath: string, onnxPath: string): ModelCard {
  let text: string;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch (err) {
    throw new UprezError('MODEL_CARD_INVALID', `cannot read model card ${cardPath}: ${errorMessage(err)}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw cardError(cardPath, `not valid JSON (${errorMessage(err)})`);
  }
  return parseModelCard(json, path.basename(cardPath, '.json'), onnxPath, cardPath);
}

/** ModelScan is a folder's usable models and why anything else was skipped. */
export interface ModelScan {
  readonly models: ModelCard[];
  /** One line per card that was skipped (no .onnx beside it, invalid card). */
  readonly skipped: string[];
}

/** scanModels reads every NAME.json in `dir` that has a NAME.onnx beside it, sorted by NAME. */
export function scanModels(dir: string): ModelScan {
  const models: ModelCard[] = [];
  const skipped: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return { models, skipped };
  }
  for (const file of entries.filter((e) => e.endsWith('.json')).sort()) {
    const name = file.slice(0, -'.json'.length);
    if (!isModelName(name)) continue;
    const onnxPath = path.resolve(dir, `${name}.onnx`);
    if (!isFile(onnxPath)) {
      skipped.push(`${name}: no ${name}.onnx beside the card`);
      continue;
    }
    try {
      models.push(readModelCard(path.resolve(dir, file), onnxPath));
    } catch (err) {
      skipped.push(`${name}: ${errorMessage(err)}`);
    }
  }
  return { models, skipped };
}

/** listModels returns the usable models in `dir` (card + .onnx), sorted by NAME; [] when the folder is missing. */
export function listModels(dir: string): ModelCard[] {
  return scanModels(dir).models;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function describeAvailable(models: readonly ModelCard[], dir: string): string {
  if (models.length === 0) return `no models in ${dir}`;
  return `available in ${dir}: ${models.map((m) => `${m.name} (x${m.scale}${m.default ? ', default' : ''}${m.liveDefault ? ', live default' : ''})`).join(', ')}`;
}

/** ModelPurpose: what the default is picked for (see ModelCard.liveDefault). */
export type ModelPurpose = 'quality' | 'live';

/**
 * pickDefault chooses the model for a scale: for live use the card marked liveDefault, then (and
 * for quality) the card marked default, else the first by NAME (pure).
 */
export function pickDefault(models: readonly ModelCard[], scale: number, purpose: ModelPurpose = 'quality'): ModelCard | undefined {
  const forScale = models.filter((m) => m.scale === scale);
  return (purpose === 'live' ? forScale.find((m) => m.liveDefault) : undefined) ?? forScale.find((m) => m.default) ?? forScale[0];
}

/**
 * pickLiveFallback chooses the live ladder's lower rung for `primary` (pure): the card marked
 * liveFallback at that scale, when it is another model and cheaper by MACs per pixel (a primary
 * whose cost is unknown, e.g. a bring-your-own file without a card, gets it too); else none.
 */
export function pickLiveFallback(
  models: readonly ModelCard[],
  scale: number,
  primary: { readonly name: string; readonly card: ModelCard | null },
): ModelCard | undefined {
  const f = models.find((m) => m.scale === scale && m.liveFallback && m.name !== primary.name);
  if (!f) return undefined;
  const primaryMacs = primary.card?.macsPerPixel;
  if (primaryMacs !== undefined && (f.macsPerPixel === undefined || f.macsPerPixel >= primaryMacs)) return undefined;
  return f;
}

/**
 * pickDenoiseMember finds the member of `base`'s family (cards whose "family" is base's family or,
 * without one, base's NAME) trained for `level`, at base's scale (pure); base itself when it serves
 * that level or the family has no such member.
 */
export function pickDenoiseMember(models: readonly ModelCard[], base: ModelCard, level: DenoiseLevel): ModelCard {
  const family = base.family ?? base.name;
  const inFamily = (m: ModelCard): boolean => m.scale === base.scale && (m.family ?? m.name) === family;
  if ((base.denoiseLevel ?? 0) === level) return base;
  return models.find((m) => inFamily(m) && m.denoiseLevel === level) ?? base;
}

/** pickForDenoise is pickDefault(scale, purpose) moved to its family's member for `level` (pure). */
export function pickForDenoise(
  models: readonly ModelCard[],
  scale: number,
  purpose: ModelPurpose,
  level: DenoiseLevel,
): ModelCard | undefined {
  const base = pickDefault(models, scale, purpose);
  return base && pickDenoiseMember(models, base, level);
}

function checkScale(card: ModelCard, scale: number, dir: string, all: readonly ModelCard[], flag = '--model'): void {
  if (card.scale !== scale) {
    const same = all.filter((m) => m.scale === scale).map((m) => m.name);
    throw new UprezError(
      'MODEL_SCALE_MISMATCH',
      `${flag} ${card.name} is a x${card.scale} model but --scale is ${scale}` +
        (same.length ? `; x${scale} models in ${dir}: ${same.join(', ')}` : `; there is no x${scale} model in ${dir}`),
    );
  }
}

/**
 * resolveModel turns `--model` (a NAME in modelsDir, a path to an .onnx file, or nothing for the
 * scale's default) into a file to load. Errors name the flag (`opts.flag`, default `--model`) and
 * list what is available.
 */
export function resolveModel(opts: {
  modelsDir: string;
  model?: string | undefined;
  scale: number;
  purpose?: ModelPurpose;
  flag?: string;
}): ResolvedModel {
  const { modelsDir, model, scale } = opts;
  const flag = opts.flag ?? '--model';
  const dir = path.resolve(modelsDir);
  const scan = scanModels(dir);
  const skippedNote = scan.skipped.length ? ` (skipped: ${scan.skipped.join('; ')})` : '';
  if (model === undefined || model === '') {
    const picked = pickDefault(scan.models, scale, opts.purpose);
    if (!picked) {
      throw new UprezError(
        'MODEL_NOT_FOUND',
        `no x${scale} model in ${dir} for the default --model; ${describeAvailable(scan.models, dir)}${skippedNote}. ` +
          'Pass --model NAME, --model path/to/model.onnx, or --model none for bicubic only',
      );
    }
    return fromCard(picked);
  }
  if (model.includes('/') || model.includes('\\') || model.endsWith('.onnx')) return resolvePath(model, scale, dir, scan.models, flag);
  if (!isModelName(model)) {
    throw new UprezError(
      'MODEL_NAME_INVALID',
      `${flag} ${JSON.stringify(model)} is not a model NAME (letters, digits, '.', '_', '-', not starting with '.') nor a path to an .onnx file; ${describeAvailable(scan.models, dir)}`,
    );
  }
  const onnxPath = path.join(dir, `${model}.onnx`);
  const cardPath = path.join(dir, `${model}.json`);
  if (!isFile(onnxPath)) {
    throw new UprezError(
      'MODEL_NOT_FOUND',
      `${flag} ${model}: ${onnxPath} does not exist; ${describeAvailable(scan.models, dir)}${skippedNote}`,
    );
  }
  if (!isFile(cardPath)) {
    throw new UprezError(
      'MODEL_CARD_MISSING',
      `${flag} ${model}: ${onnxPath} has no card ${cardPath} (it must give at least "scale"); pass the .onnx path to use the file without a card`,
    );
  }
  const card = readModelCard(cardPath, onnxPath);
  checkScale(card, scale, dir, scan.models, flag);
  return fromCard(card);
}

function fromCard(card: ModelCard): ResolvedModel {
  return { name: card.name, path: card.path, scale: card.scale, layout: card.layout, card };
}

/** resolvePath accepts an .onnx path; a NAME.json beside it is used (and checked) when present. */
function resolvePath(model: string, scale: number, dir: string, all: readonly ModelCard[], flag: string): ResolvedModel {
  const onnxPath = path.resolve(model);
  if (!isFile(onnxPath)) {
    throw new UprezError('MODEL_NOT_FOUND', `${flag} ${model}: ${onnxPath} is not a file; ${describeAvailable(all, dir)}`);
  }
  const name = path.basename(onnxPath).replace(/\.onnx$/, '');
  const cardPath = onnxPath.replace(/(\.onnx)?$/, '.json');
  if (!existsSync(cardPath)) {
    // No card: the runner reads the layout from the model's input and checks the scale against
    // a probe run's output when it loads it.
    return { name, path: onnxPath, scale, layout: 'detect', card: null };
  }
  const card = readModelCard(cardPath, onnxPath);
  checkScale(card, scale, path.dirname(onnxPath), all, flag);
  return fromCard(card);
}

/** defaultModelsDir is the repository's models/ folder, found from this module's location (src/ or dist/src/). */
export function defaultModelsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (isFile(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'uprez') return path.join(dir, 'models');
      } catch {
        // not our package.json; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not inside the package (bundled elsewhere): models/ beside the working directory.
  return path.resolve('models');
}

/** cardGainDb reads a card's Set5 gain over bicubic (dB), when it states one. */
export function cardGainDb(card: ModelCard | null | undefined): number | undefined {
  const q = card?.quality;
  if (!q || typeof q !== 'object') return undefined;
  const set5 = (q as { set5?: unknown }).set5;
  const gain = set5 && typeof set5 === 'object' ? (set5 as { gainDb?: unknown }).gainDb : undefined;
  return typeof gain === 'number' && Number.isFinite(gain) && gain > 0 ? gain : undefined;
}

/**
 * The model a denoise level runs for `uprez image`, `uprez file` and file jobs: turns the level and
 * the --model/--scale choice into a --model value for the existing openers (denoise-pick.ts has the
 * rules). Level 0 is exactly the model asked for. Reads models/ (the registry), nothing else.
 */
import path from 'node:path';
import { UprezError } from '../errors.js';
import { isBicubicModel } from './open-model.js';
import type { DenoiseLevel } from './denoise-choice.js';
import { pickDenoiseModel, type DenoisePick } from './denoise-pick.js';
import { defaultModelsDir, resolveModel, scanModels } from './model-registry.js';
import type { X4Strategy } from './upscale-chain.js';

/** ModelChoice is what to pass as --model to the existing openers, and a note when it is not what was asked. */
export interface ModelChoice {
  /** A model NAME/path for openLumaModel/openUpscalePlan (undefined: the scale's default, unchanged). */
  readonly model: string | undefined;
  readonly servedLevel: DenoiseLevel;
  readonly note?: string;
}

/** DenoiseTarget: the user's --model and scale, and the models folder (default: the repository's). */
export interface DenoiseTarget {
  readonly model: string | undefined;
  readonly scale: number;
  readonly modelsDir?: string;
}

/** chooseDenoiseModel picks the model for `level` at the target's scale (DENOISE_UNAVAILABLE when an explicit level has none). */
export function chooseDenoiseModel(t: DenoiseTarget, level: DenoiseLevel, measured: boolean): ModelChoice {
  if (level === 0 || isBicubicModel(t.model)) return { model: t.model, servedLevel: 0 };
  const dir = path.resolve(t.modelsDir ?? defaultModelsDir());
  const base = resolveModel({ modelsDir: dir, model: t.model, scale: t.scale });
  const pick: DenoisePick = pickDenoiseModel({ models: scanModels(dir).models, base: base.card, scale: t.scale, level, measured });
  const model = pick.card === base.card ? t.model : pick.card?.path;
  return { model, servedLevel: pick.servedLevel, ...(pick.note ? { note: pick.note } : {}) };
}

/**
 * chooseFileDenoiseModel is chooseDenoiseModel for `uprez file`: at x4, when no x4 model serves the
 * level and --x4 allows it, the x2 family member runs twice (the x2 choice of --model, or the x2 default).
 */
export function chooseFileDenoiseModel(
  t: DenoiseTarget & { readonly x4: X4Strategy },
  level: DenoiseLevel,
  measured: boolean,
): ModelChoice & { readonly x4: X4Strategy } {
  if (t.scale !== 4 || level === 0 || isBicubicModel(t.model)) return { ...chooseDenoiseModel(t, level, measured), x4: t.x4 };
  if (t.x4 !== '2x2') {
    try {
      return { ...chooseDenoiseModel({ ...t, scale: 4 }, level, false), x4: t.x4 };
    } catch (err) {
      const code = err instanceof UprezError ? err.code : '';
      if (code !== 'DENOISE_UNAVAILABLE' && code !== 'MODEL_NOT_FOUND' && code !== 'MODEL_SCALE_MISMATCH') throw err;
      if (t.x4 === 'model') {
        if (measured && code === 'DENOISE_UNAVAILABLE')
          return { model: t.model, servedLevel: 0, note: `${(err as Error).message}; kept the x4 model (--x4 model)`, x4: t.x4 };
        throw err;
      }
    }
  }
  let x2Model: string | undefined = t.model;
  try {
    resolveModel({ modelsDir: path.resolve(t.modelsDir ?? defaultModelsDir()), model: t.model, scale: 2 });
  } catch {
    x2Model = undefined; // --model names a x4 model: the x2 passes use the x2 default's family
  }
  const c = chooseDenoiseModel({ ...t, model: x2Model, scale: 2 }, level, measured);
  const note = `x4 has no model for compressed input: two x2 passes${c.note ? `; ${c.note}` : ''}`;
  return { ...c, note, x4: '2x2' };
}

/**
 * `--denoise` for `uprez image` and `uprez file`: turns the flag and the --model/--scale choice
 * into the model to run (denoise-pick.ts), and for images with `auto` opens each level's model the
 * first time an image asks for it. Level 0 (and no --denoise) is exactly today's model.
 */
import path from 'node:path';
import { UprezError } from '../errors.js';
import { isBicubicModel, openLumaModel, type OpenModelOptions, type OpenedLumaModel } from '../image/open-model.js';
import type { LumaUpscaler } from '../image/luma-upscaler.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { pickDenoiseModel, type DenoisePick } from '../upscale/denoise-pick.js';
import { defaultModelsDir, resolveModel, scanModels } from '../upscale/model-registry.js';
import type { X4Strategy } from '../vod/upscale-plan.js';

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
export function chooseFileDenoiseModel(t: DenoiseTarget & { readonly x4: X4Strategy }, level: DenoiseLevel, measured: boolean): ModelChoice & { readonly x4: X4Strategy } {
  if (t.scale !== 4 || level === 0 || isBicubicModel(t.model)) return { ...chooseDenoiseModel(t, level, measured), x4: t.x4 };
  if (t.x4 !== '2x2') {
    try {
      return { ...chooseDenoiseModel({ ...t, scale: 4 }, level, false), x4: t.x4 };
    } catch (err) {
      const code = err instanceof UprezError ? err.code : '';
      if (code !== 'DENOISE_UNAVAILABLE' && code !== 'MODEL_NOT_FOUND' && code !== 'MODEL_SCALE_MISMATCH') throw err;
      if (t.x4 === 'model') {
        if (measured && code === 'DENOISE_UNAVAILABLE') return { model: t.model, servedLevel: 0, note: `${(err as Error).message}; kept the x4 model (--x4 model)`, x4: t.x4 };
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

/** LumaForInput is a per-input model choice for the image batch (see BatchOptions.lumaFor). */
export type LumaForInput = (input: string) => Promise<{ readonly luma: LumaUpscaler; readonly note?: string }>;

/** DenoiseModelSet opens a level's model the first time it is asked for and closes them all. */
export interface DenoiseModelSet {
  /** The opened model for a measured level and the note for the image's output line. */
  forLevel(level: DenoiseLevel): Promise<{ readonly model: OpenedLumaModel; readonly note?: string }>;
  close(): Promise<void>;
}

/** openDenoiseModelSet: `base` is the model already opened for level 0 (owned by the caller), `open` the options to open others with. */
export function openDenoiseModelSet(base: OpenedLumaModel, open: OpenModelOptions): DenoiseModelSet {
  const opened = new Map<string, Promise<OpenedLumaModel>>();
  const target: DenoiseTarget = { model: open.model, scale: open.scale, ...(open.modelsDir !== undefined ? { modelsDir: open.modelsDir } : {}) };
  return {
    async forLevel(level) {
      const choice = chooseDenoiseModel(target, level, true);
      if (choice.model === open.model) return { model: base, ...(choice.note ? { note: choice.note } : {}) };
      const key = choice.model ?? '';
      let p = opened.get(key);
      if (!p) {
        p = openLumaModel({ ...open, model: choice.model });
        opened.set(key, p);
      }
      return { model: await p, ...(choice.note ? { note: choice.note } : {}) };
    },
    async close() {
      const all = await Promise.allSettled(opened.values());
      await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    },
  };
}

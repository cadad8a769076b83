/**
 * `--denoise auto` for image batches (`uprez image`, the /upscale page): opens each level's model
 * the first time an image asks for it (denoise-model-choice.ts picks which), next to the model
 * already opened for level 0, and measures each image's level from its head (image-denoise-level.ts).
 */
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { chooseDenoiseModel, type DenoiseTarget } from '../upscale/denoise-model-choice.js';
import { denoiseLevelOfImage } from './image-denoise-level.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import type { OpenedLumaModel } from '../upscale/open-model.js';

/** LumaForInput is a per-input model choice for the image batch (see BatchOptions.lumaFor). */
export type LumaForInput = (input: string) => Promise<{ readonly luma: LumaUpscaler; readonly note?: string }>;

/** DenoiseModelSet opens a level's model the first time it is asked for and closes them all. */
export interface DenoiseModelSet {
  /** The opened model for a measured level and the note saying what was substituted or kept. */
  forLevel(level: DenoiseLevel): Promise<{ readonly model: OpenedLumaModel; readonly note?: string }>;
  close(): Promise<void>;
}

/**
 * openDenoiseModelSet: `base` is the model already opened for `target.model` (owned by the
 * caller), `open` opens another by the --model value chooseDenoiseModel gives (owned by the set).
 */
export function openDenoiseModelSet(
  base: OpenedLumaModel,
  target: DenoiseTarget,
  open: (model: string | undefined) => Promise<OpenedLumaModel>,
): DenoiseModelSet {
  const opened = new Map<string, Promise<OpenedLumaModel>>();
  return {
    async forLevel(level) {
      const choice = chooseDenoiseModel(target, level, true);
      const note = choice.note ? { note: choice.note } : {};
      if (choice.model === target.model) return { model: base, ...note };
      const key = choice.model ?? '';
      let p = opened.get(key);
      if (!p) {
        p = open(choice.model);
        opened.set(key, p);
      }
      return { model: await p, ...note };
    },
    async close() {
      const all = await Promise.allSettled(opened.values());
      await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    },
  };
}

/**
 * lumaForLevels measures each input and runs its level's model; the note (for the output's notes)
 * says the level, why and which model, except for level 0 with the model as asked when `quietAtZero`.
 */
export function lumaForLevels(levels: DenoiseModelSet, quietAtZero: boolean): LumaForInput {
  return async (input) => {
    const measured = await denoiseLevelOfImage(input);
    const { model, note } = await levels.forLevel(measured.level);
    if (measured.level === 0 && quietAtZero && !note) return { luma: model.upscaler };
    return { luma: model.upscaler, note: `denoise ${measured.level} (${measured.reason}) with ${model.name}${note ? `: ${note}` : ''}` };
  };
}

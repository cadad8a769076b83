/**
 * `--denoise auto` for `uprez image`: opens each level's model the first time an image asks for it
 * (denoise-model-choice.ts picks which), next to the model already opened for level 0.
 */
import { openLumaModel, type OpenModelOptions, type OpenedLumaModel } from '../image/open-model.js';
import type { LumaUpscaler } from '../image/luma-upscaler.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { chooseDenoiseModel, type DenoiseTarget } from '../upscale/denoise-model-choice.js';

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

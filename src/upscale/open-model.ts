import type { Logger } from '../log/logger.js';
import type { ProviderChoice } from './model-runner.js';
import { openModelRunner } from './open-model-runner.js';
import { defaultModelsDir, resolveModel } from './model-registry.js';
import { bicubicLumaUpscaler } from './bicubic-luma-upscaler.js';
import type { LumaUpscaler } from './luma-upscaler.js';

/** Model names that mean "no network: the stage's bicubic" (`none` as in `uprez serve --model none`). */
export const BICUBIC_MODEL_NAMES: readonly string[] = ['bicubic', 'none'];

/** OpenedLumaModel is a ready luma upscaler with the names a report prints, and close(). */
export interface OpenedLumaModel {
  readonly name: string;
  readonly provider: string;
  readonly scale: number;
  readonly upscaler: LumaUpscaler;
  close(): Promise<void>;
}

/** OpenModelOptions: a model NAME, an .onnx path, `bicubic`/`none`, or undefined for the default model of the scale. */
export interface OpenModelOptions {
  readonly model: string | undefined;
  readonly scale: number;
  readonly provider: ProviderChoice;
  readonly modelsDir?: string;
  readonly log: Logger;
  /** Inference worker threads (one model session each; default 1), for callers with several images in flight. */
  readonly workers?: number;
}

/** isBicubicModel says whether a --model value asks for the bicubic path instead of a network. */
export function isBicubicModel(model: string | undefined): boolean {
  return model !== undefined && BICUBIC_MODEL_NAMES.includes(model);
}

/**
 * openLumaModel resolves the model through the registry (same rules as `uprez serve`) and starts a
 * runner for it, or returns the stage's bicubic for `bicubic`/`none`. Registry and runner errors
 * propagate unchanged (they name the model and what was searched).
 */
export async function openLumaModel(o: OpenModelOptions): Promise<OpenedLumaModel> {
  if (isBicubicModel(o.model)) {
    return { name: 'bicubic', provider: 'js', scale: o.scale, upscaler: bicubicLumaUpscaler(o.scale), close: async () => {} };
  }
  const model = resolveModel({ modelsDir: o.modelsDir ?? defaultModelsDir(), model: o.model, scale: o.scale });
  const { runner } = await openModelRunner({
    model,
    provider: o.provider,
    log: o.log,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
  });
  return {
    name: runner.info.name,
    provider: runner.info.provider,
    scale: runner.info.scale,
    upscaler: runner,
    close: async () => {
      await runner.close();
    },
  };
}

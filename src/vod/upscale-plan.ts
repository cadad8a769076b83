import type { X4Strategy } from '../upscale/upscale-chain.js';
import { UprezError } from '../errors.js';
import type { ProviderChoice } from '../upscale/model-runner.js';
import { isBicubicModel } from '../upscale/open-model.js';
import type { Logger } from '../log/logger.js';
import type { ModelRunner } from '../upscale/model-runner.js';
import { openModelRunner } from '../upscale/open-model-runner.js';
import { defaultModelsDir, resolveModel, type ResolvedModel } from '../upscale/model-registry.js';

export type { X4Strategy } from '../upscale/upscale-chain.js';

/** UpscalePlan is how a file job reaches its scale: `passes` stages of `passScale` each with one runner. */
export interface UpscalePlan {
  /** The model runner (null: bicubic only). Owned by the plan: close() ends it. */
  readonly runner: ModelRunner | null;
  readonly scale: 2 | 4;
  readonly passes: 1 | 2;
  readonly passScale: number;
  /** What a report and the job state say, e.g. "uprez-x2-fast x2, 2 passes". */
  readonly description: string;
  close(): Promise<void>;
}

/** UpscalePlanOptions are the `--model`, `--scale` and provider choices. */
export interface UpscalePlanOptions {
  readonly model: string | undefined;
  readonly scale: 2 | 4;
  readonly provider: ProviderChoice;
  readonly x4?: X4Strategy;
  readonly modelsDir?: string;
  readonly log: Logger;
}

/**
 * pickModel resolves the model for a plan (pure but for reading models/): at x2 the x2 model; at
 * x4 a x4 model (its NAME, or the default x4) when one exists and the strategy allows, else the
 * x2 model (the NAME given, or the default x2) run twice.
 */
export function pickModel(o: Pick<UpscalePlanOptions, 'model' | 'scale' | 'x4' | 'modelsDir'>): { model: ResolvedModel; passes: 1 | 2 } {
  const modelsDir = o.modelsDir ?? defaultModelsDir();
  if (o.scale === 2) return { model: resolveModel({ modelsDir, model: o.model, scale: 2 }), passes: 1 };
  const strategy = o.x4 ?? 'auto';
  if (strategy !== '2x2') {
    try {
      return { model: resolveModel({ modelsDir, model: o.model, scale: 4 }), passes: 1 };
    } catch (err) {
      const code = err instanceof UprezError ? err.code : '';
      if (strategy === 'model' || (code !== 'MODEL_NOT_FOUND' && code !== 'MODEL_SCALE_MISMATCH')) throw err;
    }
  }
  return { model: resolveModel({ modelsDir, model: o.model, scale: 2 }), passes: 2 };
}

/** openUpscalePlan loads the runner for the plan (or none for bicubic/none). */
export async function openUpscalePlan(o: UpscalePlanOptions): Promise<UpscalePlan> {
  if (isBicubicModel(o.model)) {
    return { runner: null, scale: o.scale, passes: 1, passScale: o.scale, description: 'bicubic', close: async () => {} };
  }
  const { model, passes } = pickModel(o);
  const { runner } = await openModelRunner({ model, provider: o.provider, log: o.log });
  return {
    runner,
    scale: o.scale,
    passes,
    passScale: model.scale,
    description: passes === 2 ? `${model.name} x${model.scale}, 2 passes` : `${model.name} x${model.scale}`,
    close: () => runner.close(),
  };
}

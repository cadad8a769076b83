/**
 * The live model tiers `uprez serve` runs: the model (--model, default the card marked
 * liveDefault for the scale), then a cheaper fallback model (--fallback-model, default the card
 * marked liveFallback when it is cheaper), each on the engine --inference-engine picks, each
 * with its card's gain over bicubic (what the stage's tier choice weighs).
 */
import path from 'node:path';
import type { ServeConfig } from '../config/serve-config.js';
import { UprezError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { setExecutionProvider, type UprezMetrics } from '../metrics/metrics.js';
import type { TierConfig } from '../upscale/deadline-stage.js';
import type { ModelRunner } from '../upscale/model-runner.js';
import { cardGainDb, defaultModelsDir, listModels, pickLiveFallback, resolveModel, type ResolvedModel } from '../upscale/model-registry.js';
import { openModelRunner } from '../upscale/open-model-runner.js';

/** ModelTiers: the tiers (best first), the runners to close, and why the model is not in use when it is not. */
export interface ModelTiers {
  readonly tiers: readonly TierConfig[];
  /** Set with --on-model-error bicubic when the model could not be loaded. */
  readonly modelError: string | null;
  close(): Promise<void>;
}

/** loadModelTiers loads the tiers; a model that cannot be loaded stops the start unless --on-model-error bicubic. */
export async function loadModelTiers(cfg: ServeConfig, log: Logger, metrics: UprezMetrics, modelsDir = defaultModelsDir()): Promise<ModelTiers> {
  const runners: ModelRunner[] = [];
  const tiers: TierConfig[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(runners.map((r) => r.close()));
  };
  if (cfg.model === 'none') {
    log.warn('no model (--model none): every frame takes the bicubic path');
    return { tiers, modelError: null, close };
  }
  const open = async (model: ResolvedModel, tier: 'model' | 'fallback'): Promise<ModelRunner> => {
    const opened = await openModelRunner({
      model,
      provider: cfg.provider,
      engine: cfg.inferenceEngine,
      workers: cfg.inferenceWorkers,
      intraOpThreads: cfg.inferenceThreads,
      log: log.child({ stage: 'model', tier }),
    });
    runners.push(opened.runner);
    setExecutionProvider(metrics, opened.runner.info.name, opened.runner.info.provider);
    tiers.push({ runner: opened.runner, ...gainOf(model) });
    return opened.runner;
  };
  let primary: ResolvedModel;
  try {
    primary = resolveModel({ modelsDir, model: cfg.model, scale: cfg.scale, purpose: 'live' });
    const r = await open(primary, 'model');
    log.info('model loaded', { model: r.info.name, scale: r.info.scale, provider: r.info.provider, workers: r.info.workers });
  } catch (err) {
    if (cfg.onModelError !== 'bicubic') {
      await close();
      throw err;
    }
    // Configured to keep serving: every frame takes the bicubic path, and we say why, loudly.
    log.warn('model unusable; serving bicubic only (--on-model-error bicubic)', { err: errorMessage(err) });
    return { tiers, modelError: errorMessage(err), close };
  }
  try {
    const fallback = fallbackModel(cfg, primary, modelsDir);
    if (!fallback) log.info('no fallback model: tiles the model cannot take in time go bicubic', { model: primary.name });
    else {
      const r = await open(fallback, 'fallback');
      log.info('fallback model loaded: the tiers are model, fallback model, bicubic', { model: primary.name, fallback: r.info.name, provider: r.info.provider });
    }
  } catch (err) {
    if (cfg.onModelError !== 'bicubic' || (err instanceof UprezError && err.code === 'CONFIG_INVALID')) {
      await close();
      throw err;
    }
    log.warn('fallback model unusable; tiles the model cannot take in time go bicubic (--on-model-error bicubic)', { err: errorMessage(err) });
  }
  return { tiers, modelError: null, close };
}

function gainOf(model: ResolvedModel): { gain?: number } {
  const gain = cardGainDb(model.card);
  return gain === undefined ? {} : { gain };
}

/** fallbackModel resolves the cheaper tier: --fallback-model ('none': no tier), else the card marked liveFallback when cheaper. */
function fallbackModel(cfg: ServeConfig, primary: ResolvedModel, modelsDir: string): ResolvedModel | null {
  if (cfg.fallbackModel === 'none') return null;
  if (cfg.fallbackModel !== undefined) {
    const chosen = resolveModel({ modelsDir, model: cfg.fallbackModel, scale: cfg.scale, purpose: 'live', flag: '--fallback-model' });
    if (path.resolve(chosen.path) === path.resolve(primary.path)) {
      throw new UprezError('CONFIG_INVALID', `--fallback-model ${cfg.fallbackModel} is the model itself (--model ${primary.name}); name a cheaper one, or none`);
    }
    return chosen;
  }
  const picked = pickLiveFallback(listModels(modelsDir), cfg.scale, primary);
  return picked ? resolveModel({ modelsDir, model: picked.name, scale: cfg.scale, purpose: 'live' }) : null;
}

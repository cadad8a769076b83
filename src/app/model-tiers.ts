/**
 * The live model tiers `uprez serve` runs: the model (--model, default the card marked
 * liveDefault for the scale), then a cheaper fallback model (--fallback-model, default the card
 * marked liveFallback when it is cheaper), each on the engine --inference-engine picks, each
 * with its card's gain over bicubic (what the stage's tier choice weighs). With --denoise auto the
 * model's denoise family (its members by level) is offered to every stream; with --denoise N the
 * member nearest level N is the model.
 */
import path from 'node:path';
import type { ServeConfig } from '../config/serve-config.js';
import { UprezError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { setExecutionProvider, type UprezMetrics } from '../metrics/metrics.js';
import type { TierConfig } from '../upscale/deadline-stage.js';
import type { ModelRunner } from '../upscale/model-runner.js';
import {
  defaultModelsDir,
  listModels,
  pickLiveFallback,
  resolveModel,
  type ModelCard,
  type ResolvedModel,
} from '../upscale/model-registry.js';
import { openModelRunner } from '../upscale/open-model-runner.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { familyByLevel, forVideo, gainAtLevel, nearestLevel } from '../upscale/denoise-family.js';
import type { DenoiseSetup } from '../stream/pipeline-denoise.js';
import type { DenoiseTierSource } from '../stream/stream-denoise.js';

/** ModelTiers: the tiers (best first), the runners to close, and why the model is not in use when it is not. */
export interface ModelTiers {
  readonly tiers: readonly TierConfig[];
  /** The model's denoise family for --denoise auto (members opened when a stream first needs them), or the fixed level running; null: no family. */
  readonly denoise: DenoiseSetup | null;
  /** Set with --on-model-error bicubic when the model could not be loaded. */
  readonly modelError: string | null;
  close(): Promise<void>;
}

/** loadModelTiers loads the tiers; a model that cannot be loaded stops the start unless --on-model-error bicubic. */
export async function loadModelTiers(
  cfg: ServeConfig,
  log: Logger,
  metrics: UprezMetrics,
  modelsDir = defaultModelsDir(),
): Promise<ModelTiers> {
  const runners: ModelRunner[] = [];
  const tiers: TierConfig[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(runners.map((r) => r.close()));
  };
  if (cfg.model === 'none') {
    log.warn('no model (--model none): every frame takes the bicubic path');
    return { tiers, modelError: null, denoise: null, close };
  }
  const openRunner = async (model: ResolvedModel, tier: 'model' | 'fallback' | 'denoise'): Promise<ModelRunner> => {
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
    return opened.runner;
  };
  // Each tier weighs its gain at the compression the server runs for (clean until a stream is measured).
  const open = async (model: ResolvedModel, tier: 'model' | 'fallback', level: DenoiseLevel): Promise<ModelRunner> => {
    const runner = await openRunner(model, tier);
    tiers.push({ runner, ...gainAt(model, level) });
    return runner;
  };
  let primary: ResolvedModel;
  let primaryRunner: ModelRunner;
  let family: ReadonlyMap<DenoiseLevel, ModelCard>;
  let fixedLevel: DenoiseLevel | null = null;
  try {
    const configured = resolveModel({ modelsDir, model: cfg.model, scale: cfg.scale, purpose: 'live' });
    // Live input is video: each level runs the member that gains most on held-out video there.
    family = configured.card ? forVideo(familyByLevel(listModels(modelsDir), configured.card)) : new Map();
    primary = cfg.denoise === 'auto' ? configured : fixedMember(configured, family, cfg.denoise, modelsDir, cfg.scale, log);
    if (cfg.denoise !== 'auto' && family.size > 1) fixedLevel = nearestLevel([...family.keys()], cfg.denoise);
    primaryRunner = await open(primary, 'model', fixedLevel ?? 0);
    log.info('model loaded', {
      model: primaryRunner.info.name,
      scale: primaryRunner.info.scale,
      provider: primaryRunner.info.provider,
      workers: primaryRunner.info.workers,
    });
  } catch (err) {
    if (cfg.onModelError !== 'bicubic') {
      await close();
      throw err;
    }
    // Configured to keep serving: every frame takes the bicubic path, and we say why, loudly.
    log.warn('model unusable; serving bicubic only (--on-model-error bicubic)', { err: errorMessage(err) });
    return { tiers, modelError: errorMessage(err), denoise: null, close };
  }
  let fallbackTier: LoadedTier | null = null;
  try {
    const fallback = fallbackModel(cfg, primary, modelsDir);
    if (!fallback) log.info('no fallback model: tiles the model cannot take in time go bicubic', { model: primary.name });
    else {
      const r = await open(fallback, 'fallback', fixedLevel ?? 0);
      fallbackTier = { model: fallback, runner: r };
      log.info('fallback model loaded: the tiers are model, fallback model, bicubic', {
        model: primary.name,
        fallback: r.info.name,
        provider: r.info.provider,
      });
    }
  } catch (err) {
    if (cfg.onModelError !== 'bicubic' || (err instanceof UprezError && err.code === 'CONFIG_INVALID')) {
      await close();
      throw err;
    }
    log.warn('fallback model unusable; tiles the model cannot take in time go bicubic (--on-model-error bicubic)', {
      err: errorMessage(err),
    });
  }
  let denoise: DenoiseSetup | null = null;
  if (family.size > 1 && fixedLevel !== null) denoise = { kind: 'fixed', level: fixedLevel };
  else if (family.size > 1) {
    denoise = {
      kind: 'auto',
      source: new DenoiseRunners(
        family,
        { model: primary, runner: primaryRunner },
        fallbackTier,
        (m) => openRunner(m, 'denoise'),
        modelsDir,
        cfg.scale,
      ),
    };
    log.info('denoise family: each stream runs the member for its compression (--denoise auto)', {
      members: [...family.entries()]
        .sort(([a], [b]) => a - b)
        .map(([l, m]) => `${l}:${m.name}`)
        .join(' '),
    });
  }
  return { tiers, modelError: null, denoise, close };
}

/** fixedMember is the family member for --denoise N (the nearest level the family has); the model itself without a family. */
function fixedMember(
  configured: ResolvedModel,
  family: ReadonlyMap<DenoiseLevel, ModelCard>,
  level: DenoiseLevel,
  modelsDir: string,
  scale: number,
  log: Logger,
): ResolvedModel {
  if (family.size <= 1) {
    if (level !== (configured.card?.denoiseLevel ?? 0))
      log.warn('the model has no denoise family; --denoise has no effect', { model: configured.name, denoise: level });
    return configured;
  }
  const chosen = nearestLevel([...family.keys()], level);
  const card = family.get(chosen) as ModelCard;
  if (chosen !== level)
    log.warn('no family member for that denoise level; running the nearest', {
      model: configured.name,
      denoise: level,
      runs: card.name,
      level: chosen,
    });
  return card.name === configured.name ? configured : resolveModel({ modelsDir, model: card.name, scale, purpose: 'live' });
}

/** LoadedTier is an opened model and its runner. */
interface LoadedTier {
  readonly model: ResolvedModel;
  readonly runner: ModelRunner;
}

/**
 * DenoiseRunners: the family's members, each opened the first time a stream asks for it, then
 * shared (closed with the others); a level's tiers are its member and the fallback model, each
 * with its gain at that level's compression.
 */
class DenoiseRunners implements DenoiseTierSource {
  readonly levels: readonly DenoiseLevel[];
  readonly baseLevel: DenoiseLevel;
  /** Opened members by model name (two levels may run the same member). */
  private readonly opened = new Map<string, Promise<LoadedTier>>();

  constructor(
    private readonly family: ReadonlyMap<DenoiseLevel, ModelCard>,
    base: LoadedTier,
    private readonly fallback: LoadedTier | null,
    private readonly openRunner: (m: ResolvedModel) => Promise<ModelRunner>,
    private readonly modelsDir: string,
    private readonly scale: number,
  ) {
    this.levels = [...family.keys()].sort((a, b) => a - b);
    this.baseLevel = base.model.card?.denoiseLevel ?? 0;
    this.opened.set(base.model.name, Promise.resolve(base));
  }

  async tiersFor(level: DenoiseLevel): Promise<readonly TierConfig[]> {
    const member = await this.member(level);
    const tiers: TierConfig[] = [{ runner: member.runner, ...gainAt(member.model, level) }];
    if (this.fallback) tiers.push({ runner: this.fallback.runner, ...gainAt(this.fallback.model, level) });
    return tiers;
  }

  private member(level: DenoiseLevel): Promise<LoadedTier> {
    const card = this.family.get(level);
    if (!card) return Promise.reject(new UprezError('MODEL_NOT_FOUND', `no member of the denoise family for level ${level}`));
    const had = this.opened.get(card.name);
    if (had) return had;
    const p = (async (): Promise<LoadedTier> => {
      const model = resolveModel({ modelsDir: this.modelsDir, model: card.name, scale: this.scale, purpose: 'live' });
      return { model, runner: await this.openRunner(model) };
    })();
    // A member that failed may be asked for again later (StreamDenoise waits before it asks).
    p.catch(() => this.opened.delete(card.name));
    this.opened.set(card.name, p);
    return p;
  }
}

function gainAt(model: ResolvedModel, level: DenoiseLevel): { gain?: number } {
  const gain = gainAtLevel(model.card, level);
  return gain === undefined ? {} : { gain };
}

/** fallbackModel resolves the cheaper tier: --fallback-model ('none': no tier), else the card marked liveFallback when cheaper. */
function fallbackModel(cfg: ServeConfig, primary: ResolvedModel, modelsDir: string): ResolvedModel | null {
  if (cfg.fallbackModel === 'none') return null;
  if (cfg.fallbackModel !== undefined) {
    const chosen = resolveModel({ modelsDir, model: cfg.fallbackModel, scale: cfg.scale, purpose: 'live', flag: '--fallback-model' });
    if (path.resolve(chosen.path) === path.resolve(primary.path)) {
      throw new UprezError(
        'CONFIG_INVALID',
        `--fallback-model ${cfg.fallbackModel} is the model itself (--model ${primary.name}); name a cheaper one, or none`,
      );
    }
    return chosen;
  }
  const picked = pickLiveFallback(listModels(modelsDir), cfg.scale, primary);
  return picked ? resolveModel({ modelsDir, model: picked.name, scale: cfg.scale, purpose: 'live' }) : null;
}

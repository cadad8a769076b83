/**
 * A model's denoise family as a live stream uses it (pure): the members at the model's scale by
 * the level they were trained for, and the member nearest a wanted level when the family has no
 * member for it (a stream asking for heavy denoising gets the heaviest member there is).
 */
import type { DenoiseLevel } from './denoise-choice.js';
import { cardGainDb, type ModelCard } from './model-registry.js';

/** familyByLevel maps each denoise level to the member of `base`'s family trained for it (base included; cards without a level count as 0). */
export function familyByLevel(models: readonly ModelCard[], base: ModelCard): ReadonlyMap<DenoiseLevel, ModelCard> {
  const family = base.family ?? base.name;
  const out = new Map<DenoiseLevel, ModelCard>();
  for (const m of models) {
    if (m.scale !== base.scale || (m.family ?? m.name) !== family) continue;
    const level = m.denoiseLevel ?? 0;
    if (!out.has(level) || m.name === base.name) out.set(level, m);
  }
  if (![...out.values()].some((m) => m.name === base.name)) out.set(base.denoiseLevel ?? 0, base);
  return out;
}

/** nearestLevel is the available level closest to `wanted` (the lighter one on a tie); `wanted` itself when available. */
export function nearestLevel(available: readonly DenoiseLevel[], wanted: DenoiseLevel): DenoiseLevel {
  let best: DenoiseLevel | undefined;
  for (const l of available) {
    if (
      best === undefined ||
      Math.abs(l - wanted) < Math.abs(best - wanted) ||
      (Math.abs(l - wanted) === Math.abs(best - wanted) && l < best)
    )
      best = l;
  }
  return best ?? wanted;
}

/** The publisher CRF each level stands for in a card's compressed-input table (the middle of its band). */
const LEVEL_CONDITION: Readonly<Record<DenoiseLevel, string>> = { 0: 'clean', 1: 'crf23', 2: 'crf28', 3: 'crf33' };

/** A tier whose gain at a level is none or negative still gets this much, so it ranks just above nothing. */
const MIN_TIER_GAIN = 0.01;

/**
 * gainAtLevel is a model's gain over bicubic (dB, Set5) on input compressed as `level` stands for,
 * from its card's quality.compressed table; the clean gain at level 0 or without a table. What the
 * stage's tier choice weighs once a stream's level is known (a model that sharpens blocking gains
 * nothing on a starved stream, however well it does on clean pictures).
 */
export function gainAtLevel(card: ModelCard | null | undefined, level: DenoiseLevel): number | undefined {
  const clean = cardGainDb(card);
  if (level === 0) return clean;
  const q = card?.quality as { compressed?: { set5?: Record<string, { gainDb?: unknown } | undefined> } } | undefined;
  const g = q?.compressed?.set5?.[LEVEL_CONDITION[level]]?.gainDb;
  return typeof g === 'number' && Number.isFinite(g) ? Math.max(MIN_TIER_GAIN, g) : clean;
}

/** videoGainAtLevel is a model's held-out video gain (dB) at the level's condition, from its card; undefined without a table. */
export function videoGainAtLevel(card: ModelCard, level: DenoiseLevel): number | undefined {
  const q = card.quality as { compressed?: { video?: Record<string, { gainDb?: unknown } | undefined> } } | undefined;
  const g = q?.compressed?.video?.[LEVEL_CONDITION[level]]?.gainDb;
  return typeof g === 'number' && Number.isFinite(g) ? g : undefined;
}

/**
 * forVideo maps each level of a family to the member that gains most on held-out video frames at
 * that level's compression (the cards' tables): a member trained on still pictures for a level can
 * lose on video to a lighter one (uprez-x2-fast-d3 gains +0.80 dB at CRF 33 on the held-out clips,
 * -d2 +0.94). A level whose cards lack the table keeps its own member.
 */
export function forVideo(family: ReadonlyMap<DenoiseLevel, ModelCard>): ReadonlyMap<DenoiseLevel, ModelCard> {
  const out = new Map<DenoiseLevel, ModelCard>();
  for (const [level, own] of family) {
    let best = own;
    let bestGain = videoGainAtLevel(own, level);
    if (bestGain === undefined) {
      out.set(level, own);
      continue;
    }
    for (const m of family.values()) {
      const g = videoGainAtLevel(m, level);
      if (g !== undefined && g > bestGain) {
        best = m;
        bestGain = g;
      }
    }
    out.set(level, best);
  }
  return out;
}

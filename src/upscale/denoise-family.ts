/**
 * A model's denoise family as a live stream uses it (pure): the members at the model's scale by
 * the level they were trained for, and the member nearest a wanted level when the family has no
 * member for it (a stream asking for heavy denoising gets the heaviest member there is).
 */
import type { DenoiseLevel } from './denoise-choice.js';
import type { ModelCard } from './model-registry.js';

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
    if (best === undefined || Math.abs(l - wanted) < Math.abs(best - wanted) || (Math.abs(l - wanted) === Math.abs(best - wanted) && l < best)) best = l;
  }
  return best ?? wanted;
}

/**
 * Denoise pick for files and images (`--denoise auto|0|1|2|3`): which model serves a denoise level
 * when the user asked for `base` (a --model, or the scale's default). Rules, in order:
 *   1. level 0: base itself (today's behaviour).
 *   2. base's family has a member at the level: that member (pickDenoiseMember).
 *   3. else the family at base's scale that has members above level 0 (base's own family first,
 *      then the live default's, then by NAME), at its level nearest the one asked for (the lower on
 *      a tie): e.g. uprez-x2 (the quality model, no family) at level 2 -> uprez-x2-fast-d2, with a
 *      note saying so. A model trained for compressed input beats a clean-trained one there.
 *   4. no family at that scale: an explicit level is refused (DENOISE_UNAVAILABLE); `auto` keeps
 *      base, with a note.
 * All pure.
 */
import { UprezError } from '../errors.js';
import type { DenoiseLevel } from './denoise-choice.js';
import { pickDefault, pickDenoiseMember, type ModelCard } from './model-registry.js';

/** DenoiseRequest is the --denoise value: a level, or auto (measured per input). */
export type DenoiseRequest = 'auto' | DenoiseLevel;

/** parseDenoiseFlag reads --denoise (auto, 0, 1, 2 or 3; undefined when absent). */
export function parseDenoiseFlag(v: unknown): DenoiseRequest | undefined {
  if (v === undefined) return undefined;
  if (v === 'auto') return 'auto';
  if (v === '0' || v === '1' || v === '2' || v === '3') return Number(v) as DenoiseLevel;
  throw new UprezError('CLI_BAD_FLAG', `--denoise must be auto, 0, 1, 2 or 3, got "${String(v)}"`);
}

/** DenoisePick is the model to run for a level, and a note when it is not what was asked for. */
export interface DenoisePick {
  /** The card to run (base itself when it serves). */
  readonly card: ModelCard | null;
  /** The level the picked model was trained for (its card's denoiseLevel, 0 without one). */
  readonly servedLevel: DenoiseLevel;
  /** Says what was substituted or kept and why (undefined when the pick is exactly what was asked). */
  readonly note?: string;
}

/** DenoisePickOptions: the models of the registry, the model asked for, the level, and whether it was measured. */
export interface DenoisePickOptions {
  readonly models: readonly ModelCard[];
  /** The model asked for: its card (null for an .onnx without one). */
  readonly base: ModelCard | null;
  readonly scale: number;
  readonly level: DenoiseLevel;
  /** True when the level came from `auto` (a measurement): an unservable level keeps base instead of failing. */
  readonly measured: boolean;
}

const levelOf = (m: ModelCard): DenoiseLevel => m.denoiseLevel ?? 0;
const familyOf = (m: ModelCard): string => m.family ?? m.name;

/** pickDenoiseModel applies the rules above (pure). Throws DENOISE_UNAVAILABLE for an explicit level no model serves. */
export function pickDenoiseModel(o: DenoisePickOptions): DenoisePick {
  const { base, level } = o;
  if (level === 0) return { card: base, servedLevel: base ? levelOf(base) : 0 };
  if (base) {
    const member = pickDenoiseMember(o.models, base, level);
    if (levelOf(member) === level) return { card: member, servedLevel: level };
  }
  const families = familiesAt(o.models, o.scale, base);
  const asked = base ? base.name : 'the given model';
  if (families.length === 0) {
    const msg = `no x${o.scale} model is trained for compressed input (denoise level ${level}); models with a "denoiseLevel" above 0: ${describeMembers(o.models)}`;
    if (!o.measured) throw new UprezError('DENOISE_UNAVAILABLE', `${msg}. Use --denoise 0${o.scale === 4 ? ', or --scale 2' : ''}`);
    return { card: base, servedLevel: base ? levelOf(base) : 0, note: `${msg}; kept ${asked}` };
  }
  const family = families[0] as readonly ModelCard[];
  const member = nearest(family, level);
  const served = levelOf(member);
  const why =
    base && familyOf(base) === familyOf(member)
      ? `${asked}'s family has no level-${level} member`
      : `${asked} has no denoise-level-${level} member`;
  return {
    card: member,
    servedLevel: served,
    note: `denoise level ${level}: ${why}; using ${member.name} (family ${familyOf(member)}, level ${served})`,
  };
}

/** familiesAt lists the families at `scale` with a member above level 0, base's first, then the live default's, then by NAME. */
function familiesAt(models: readonly ModelCard[], scale: number, base: ModelCard | null): ModelCard[][] {
  const byFamily = new Map<string, ModelCard[]>();
  for (const m of models) {
    if (m.scale !== scale) continue;
    const list = byFamily.get(familyOf(m)) ?? [];
    list.push(m);
    byFamily.set(familyOf(m), list);
  }
  const live = pickDefault(models, scale, 'live');
  const rank = (f: string): number => (base && familyOf(base) === f ? 0 : live && familyOf(live) === f ? 1 : 2);
  return [...byFamily.entries()]
    .filter(([, ms]) => ms.some((m) => levelOf(m) > 0))
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([, ms]) => ms);
}

/** nearest is the member whose level is closest to `level` (the lower level on a tie). */
function nearest(family: readonly ModelCard[], level: DenoiseLevel): ModelCard {
  const sorted = [...family].sort((a, b) => Math.abs(levelOf(a) - level) - Math.abs(levelOf(b) - level) || levelOf(a) - levelOf(b));
  return sorted[0] as ModelCard;
}

function describeMembers(models: readonly ModelCard[]): string {
  const ms = models.filter((m) => levelOf(m) > 0);
  return ms.length ? ms.map((m) => `${m.name} (x${m.scale}, level ${levelOf(m)})`).join(', ') : 'none';
}

/**
 * The denoise plan of a file (`uprez file --denoise`, file jobs' "denoise"): the level (given, or
 * measured from ffprobe for auto) and the model and x4 strategy that serve it.
 */
import { probeMedia } from '../ffmpeg/probe.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import { chooseFileDenoiseModel } from '../upscale/denoise-model-choice.js';
import type { DenoiseRequest } from '../upscale/denoise-pick.js';
import { denoiseLevelOfProbe } from './file-denoise-level.js';
import type { X4Strategy } from './upscale-plan.js';

/** FileDenoisePlan: what to pass to openUpscalePlan, and what to report. */
export interface FileDenoisePlan {
  readonly requested: DenoiseRequest;
  readonly level: DenoiseLevel;
  /** The level the chosen model was trained for (a family may lack the exact one). */
  readonly servedLevel: DenoiseLevel;
  /** --model for openUpscalePlan (undefined: the scale's default). */
  readonly model: string | undefined;
  readonly x4: X4Strategy;
  /** How auto measured the file (null for an explicit level). */
  readonly reason: string | null;
  /** What was substituted or kept, when the model is not the one asked for. */
  readonly note: string | null;
}

/** FileDenoiseOptions: the request, the file (what ffprobe is given) and the user's model choice. */
export interface FileDenoiseOptions {
  readonly denoise: DenoiseRequest;
  readonly ffprobe: string;
  readonly input: string;
  readonly model: string | undefined;
  readonly scale: 2 | 4;
  readonly x4: X4Strategy;
  readonly modelsDir?: string;
}

/** planFileDenoise probes the file for auto (PROBE_FAILED propagates) and picks the model (DENOISE_UNAVAILABLE for an explicit level none serves). */
export async function planFileDenoise(o: FileDenoiseOptions): Promise<FileDenoisePlan> {
  const measured = o.denoise === 'auto' ? denoiseLevelOfProbe(await probeMedia(o.ffprobe, o.input)) : undefined;
  const level = measured ? measured.level : (o.denoise as DenoiseLevel);
  const target = { model: o.model, scale: o.scale, x4: o.x4, ...(o.modelsDir !== undefined ? { modelsDir: o.modelsDir } : {}) };
  const c = chooseFileDenoiseModel(target, level, measured !== undefined);
  return {
    requested: o.denoise,
    level,
    servedLevel: c.servedLevel,
    model: c.model,
    x4: c.x4,
    reason: measured?.reason ?? null,
    note: c.note ?? null,
  };
}

/** describeFileDenoise is the one-line text form of a plan (for stderr and job logs). */
export function describeFileDenoise(p: FileDenoisePlan): string {
  const what = p.reason !== null ? `auto: level ${p.level} (${p.reason})` : `level ${p.level}`;
  return `denoise ${what}${p.note ? `; ${p.note}` : ''}`;
}

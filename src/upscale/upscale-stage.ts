/**
 * The upscale stage between decoder and encoder, in one of two modes over the same core
 * (stage-core.ts: reorder buffer, bicubic, emission):
 * - 'deadline' (live; deadline-stage.ts): per tile, within each frame's deadline, the model where
 *   it gains most, bicubic elsewhere, previous output reused where nothing changed;
 * - 'quality' (files; quality-stage.ts): every frame through the model, no deadline, bounded.
 * Either way frames leave in order, one out per one in, at the output size.
 */
import { DeadlineStage, type DeadlineStageOptions, type TierConfig } from './deadline-stage.js';
import type { Frame, FrameGeometry, UpscaledFrame } from '../media/frame.js';
import { QualityStage, type QualityStageOptions } from './quality-stage.js';
import type { UpscaleStageStats } from './stage-counters.js';

export type { UpscaleStageStats } from './stage-counters.js';
export type { TierConfig } from './deadline-stage.js';
export { defaultClock, type Clock } from './clock.js';

/** UpscaleStage is either stage as its owner drives it. */
export interface UpscaleStage {
  push(frame: Frame): void;
  onOutput(cb: (f: UpscaledFrame) => void): () => void;
  warmUp(g: FrameGeometry): Promise<void>;
  whenReady(): Promise<void>;
  flush(): Promise<void>;
  stats(): UpscaleStageStats;
  /** replaceTier swaps the model of a tier for a member of its denoise family (deadline mode; see DeadlineStage). */
  replaceTier?(index: number, tier: TierConfig): void;
  close(): void;
}

/** UpscaleStageOptions choose the mode and its settings (each mode's own options, with its name). */
export type UpscaleStageOptions =
  ({ readonly mode: 'deadline' } & DeadlineStageOptions) | ({ readonly mode: 'quality' } & QualityStageOptions);

/** createUpscaleStage makes the stage for its mode. */
export function createUpscaleStage(o: UpscaleStageOptions): UpscaleStage {
  return o.mode === 'deadline' ? new DeadlineStage(o) : new QualityStage(o);
}

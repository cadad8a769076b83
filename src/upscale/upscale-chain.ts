import type { Frame, FrameGeometry, UpscaledFrame } from '../media/frame.js';
import { upscaledGeometry } from './bicubic.js';
import type { UpscaleStage, UpscaleStageStats } from './upscale-stage.js';

/** X4Strategy: use a x4 model when one exists (auto), insist on one (model), or run a x2 model twice (2x2). */
export type X4Strategy = 'auto' | 'model' | '2x2';

/**
 * UpscaleChain runs frames through one or more UpscaleStages in a row (x4 as two x2 passes when
 * there is no x4 model): each stage's output frame is the next one's input, in order, one out per
 * one in. Backpressure spans the chain: whenReady() waits until every stage takes more.
 */
export class UpscaleChain {
  private readonly listeners = new Set<(f: UpscaledFrame) => void>();

  constructor(
    private readonly stages: readonly UpscaleStage[],
    private readonly scalePerStage: number,
  ) {
    if (stages.length === 0) throw new RangeError('an upscale chain needs at least one stage');
    stages.forEach((s, i) => {
      const next = stages[i + 1];
      s.onOutput((f) => {
        if (next) next.push(asFrame(f));
        else for (const cb of this.listeners) cb(f);
      });
    });
  }

  /** onOutput registers a listener for frames leaving the last stage; returns its removal. */
  onOutput(cb: (f: UpscaledFrame) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** warmUp warms each stage at the size it will see. */
  async warmUp(g: FrameGeometry): Promise<void> {
    let geometry = g;
    for (const s of this.stages) {
      await s.warmUp(geometry);
      geometry = upscaledGeometry(geometry, this.scalePerStage);
    }
  }

  /** push hands one source frame to the first stage. */
  push(frame: Frame): void {
    (this.stages[0] as UpscaleStage).push(frame);
  }

  /** whenReady resolves once every stage would take another frame within its bound. */
  async whenReady(): Promise<void> {
    for (const s of this.stages) await s.whenReady();
  }

  /** flush resolves once every frame pushed so far has left the last stage. */
  async flush(): Promise<void> {
    for (const s of this.stages) await s.flush();
  }

  /** stats reports each stage's counters, first stage first. */
  stats(): UpscaleStageStats[] {
    return this.stages.map((s) => s.stats());
  }

  /** close closes every stage; idempotent. */
  close(): void {
    for (const s of this.stages) s.close();
  }
}

function asFrame(f: UpscaledFrame): Frame {
  return { seq: f.seq, pts: f.pts, arrivedAt: f.arrivedAt, deadline: f.deadline, geometry: f.geometry, data: f.data };
}

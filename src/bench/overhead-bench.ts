/**
 * Stage overhead: quality-mode UpscaleStage throughput (worker thread, copies, chroma bicubic,
 * reorder buffer) beside onnxruntime-node's own throughput for the same model at the same size
 * (a loop of session.run on ready tensors, same thread count), measured alternately.
 */
import type { Logger } from '../log/logger.js';
import { frameGeometry } from '../media/frame.js';
import { createModelRunner, type ProviderChoice } from '../upscale/model-runner.js';
import type { ResolvedModel } from '../upscale/model-registry.js';
import { row, type BenchSection } from './bench-section.js';
import { fmt, median } from './bench-stats.js';
import { RawSession, framesFor, stageFps, syntheticFrames } from './stage-throughput.js';

/** OverheadBenchOptions: the model, where it runs, its threads, quick mode. */
export interface OverheadBenchOptions {
  readonly model: ResolvedModel;
  readonly provider: ProviderChoice;
  readonly threads: number;
  readonly quick: boolean;
  readonly log: Logger;
}

const SIZES = [
  { w: 640, h: 360 },
  { w: 1280, h: 720 },
] as const;

/** runOverheadBench measures stage throughput / raw session throughput at 360p and 720p. */
export async function runOverheadBench(o: OverheadBenchOptions): Promise<BenchSection> {
  const repeats = o.quick ? 3 : 5;
  const runner = await createModelRunner({ model: o.model, provider: o.provider, workers: 1, intraOpThreads: o.threads, log: o.log });
  const provider = runner.info.provider;
  const raw = await RawSession.create(o.model.path, provider, o.threads);
  const rows = [];
  try {
    for (const s of SIZES) {
      const g = frameGeometry(s.w, s.h);
      const probe = syntheticFrames(g, 2);
      // Warm both (allocations at this size, first-run graph work); the raw figure sizes the run.
      await stageFps(runner, g, probe, o.log);
      const frameMs = 1000 / (await raw.fps(g, probe));
      // About 4 s per measurement (1 s with --quick), whatever the model's speed.
      const frames = syntheticFrames(g, framesFor(frameMs, o.quick ? 1_000 : 4_000, 4, 120));
      const rawFps: number[] = [];
      const stFps: number[] = [];
      for (let r = 0; r < repeats; r++) {
        rawFps.push(await raw.fps(g, frames));
        stFps.push(await stageFps(runner, g, frames, o.log));
      }
      const a = median(stFps);
      const b = median(rawFps);
      rows.push(row(`${s.w}x${s.h} -> x${o.model.scale}`, `stage ${fmt(a, 1)} fps`, `raw session.run ${fmt(b, 1)} fps`, a / b, '>= 0.90'));
    }
  } finally {
    await raw.close();
    await runner.close();
  }
  const notes = [
    `Model ${o.model.name}, provider ${provider}, ${o.threads} intra-op thread(s) on both sides; stage: 1 inference worker, quality mode, 4 frames in flight; about 4 s of frames per measurement, medians of ${repeats} alternating repeats.`,
    'The stage figure includes everything a frame costs there: the Y copy into the worker, the transfer back, the copy into the output frame, the chroma bicubic on the main thread and the in-order emission.',
  ];
  return { id: 'overhead', title: 'Stage overhead: quality-mode stage vs raw onnxruntime-node', rows, notes, provider };
}

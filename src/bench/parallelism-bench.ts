/**
 * Parallelism: on this machine, is the model faster with more inference workers (one session
 * each, frames in parallel) or more onnxruntime intra-op threads (one frame split over cores)?
 * Quality-mode stage throughput at 640x360 for each layout, measured alternately.
 */
import type { Logger } from '../log/logger.js';
import { frameGeometry } from '../media/frame.js';
import { createModelRunner, type ModelRunner, type ProviderChoice } from '../upscale/model-runner.js';
import type { ResolvedModel } from '../upscale/model-registry.js';
import { row, type BenchSection } from './bench-section.js';
import { fmt, median } from './bench-stats.js';
import { framesFor, stageFps, syntheticFrames } from './stage-throughput.js';

/** ParallelismBenchOptions: the model, provider, quick mode. */
export interface ParallelismBenchOptions {
  readonly model: ResolvedModel;
  readonly provider: ProviderChoice;
  readonly quick: boolean;
  readonly log: Logger;
}

const LAYOUTS = [
  { workers: 1, threads: 1 },
  { workers: 1, threads: 2 },
  { workers: 2, threads: 1 },
] as const;

/** runParallelismBench compares worker and intra-op thread layouts (baseline: 1 worker, 1 thread). */
export async function runParallelismBench(o: ParallelismBenchOptions): Promise<BenchSection> {
  const repeats = o.quick ? 2 : 4;
  const g = frameGeometry(640, 360);
  const runners: ModelRunner[] = [];
  try {
    for (const l of LAYOUTS)
      runners.push(
        await createModelRunner({ model: o.model, provider: o.provider, workers: l.workers, intraOpThreads: l.threads, log: o.log }),
      );
    const fps: number[][] = LAYOUTS.map(() => []);
    const warm = syntheticFrames(g, 4);
    let slowest = 0;
    for (const r of runners) slowest = Math.max(slowest, 1000 / (await stageFps(r, g, warm, o.log)));
    const frames = syntheticFrames(g, framesFor(slowest, o.quick ? 1_000 : 4_000, 8, 96));
    for (let k = 0; k < repeats; k++) {
      for (const [i, r] of runners.entries()) (fps[i] as number[]).push(await stageFps(r, g, frames, o.log));
    }
    const base = median(fps[0] as number[]);
    const rows = LAYOUTS.map((l, i) => {
      const v = median(fps[i] as number[]);
      return row(`${l.workers} worker(s) x ${l.threads} intra-op thread(s)`, `${fmt(v, 1)} fps`, `1x1: ${fmt(base, 1)} fps`, v / base);
    });
    return {
      id: 'parallelism',
      title: 'Parallelism: inference workers vs onnxruntime intra-op threads (640x360, quality mode)',
      rows,
      ...(runners[0] ? { provider: runners[0].info.provider } : {}),
      notes: [
        `Model ${o.model.name}, provider ${runners[0]?.info.provider ?? 'n/a'}, ${frames.length} frames, 4 in flight, medians of ${repeats} alternating repeats. Ratio = fps / fps of 1 worker x 1 thread.`,
        'Intra-op threads split one small frame and pay for it in wake-ups; workers run whole frames in parallel (the stage keeps order), which is why the server defaults to 2 workers x 1 thread. The event loop (decode/encode pipes, chroma bicubic) shares those cores: the live section shows what a whole stream gets.',
      ],
    };
  } finally {
    for (const r of runners) await r.close();
  }
}

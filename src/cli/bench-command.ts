/**
 * `uprez bench` (npm run bench): runs the benchmarks, prints a table per benchmark with the
 * machine and date, and replaces their sections in BENCHMARKS.md. Every comparison is a ratio
 * measured side by side in the same run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from './cli-io.js';
import { resolveFfmpegBinaries } from '../ffmpeg/binaries.js';
import { createLogger } from '../log/logger.js';
import { bicubicKernel } from '../upscale/bicubic.js';
import { defaultModelsDir, resolveModel } from '../upscale/model-registry.js';
import { mergeReport, runHeader } from '../bench/bench-report.js';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from './bench-options.js';
import { renderSection, renderText, type BenchId, type BenchSection } from '../bench/bench-section.js';
import { runDensityBench } from '../bench/density-bench.js';
import { runFallbackBench } from '../bench/fallback-bench.js';
import { runInferenceBench } from '../bench/inference-bench.js';
import { describeMachine, type MachineInfo } from '../bench/machine.js';
import { runLiveBench } from '../bench/live-bench.js';
import { runOverheadBench } from '../bench/overhead-bench.js';
import { runMemoryBench } from '../bench/memory-bench.js';
import { runParallelismBench } from '../bench/parallelism-bench.js';
import { builtCliPath } from '../bench/serve-process.js';
import { runViewerBench } from '../bench/viewer-bench.js';
import { defaultVideoDir } from '../bench/viewer-options.js';
import { runX264Bench } from '../bench/x264-bench.js';
import { UprezError } from '../errors.js';

/** gpuSection says what the GPU run measures, and whether this machine could run it. */
function gpuSection(m: MachineInfo, o: BenchOptions, providerInUse: string): BenchSection {
  const noGpu = m.gpu.startsWith('none');
  return {
    id: 'gpu',
    title: 'GPU (CUDA execution provider)',
    rows: [],
    notes: [
      noGpu
        ? `No GPU on this machine (nvidia-smi: ${m.gpu}); provider in use: ${providerInUse}. No GPU figures were measured.`
        : `GPU: ${m.gpu}; provider asked: ${o.provider}, in use: ${providerInUse}.`,
      'On a GPU machine, `npm run bench -- --provider cuda` runs the same benchmarks with the model on CUDA: overhead (stage vs raw session.run on CUDA, where the Y copies and the worker hop weigh more against a ~1 ms inference), live (the AI-frame share, flicker and p99 latency the GPU reaches at 360p and 720p), density (streams per GPU until one misses 30 fps); the provider in use is printed in every section, and `--provider cuda` stops with a clear error when the CUDA provider cannot start rather than measuring the CPU.',
    ],
  };
}

/** runBenchCommand is `uprez bench`. */
export const runBenchCommand: Command = async (argv, io) => {
  const o = parseBenchOptions(argv);
  if (o.help) {
    io.stdout.write(BENCH_USAGE);
    return 0;
  }
  const log = createLogger({ level: 'warn', sink: (line) => io.stderr.write(`${line}\n`) });
  // Resolved when a benchmark needs it, so `--only overhead,gpu` runs without ffmpeg.
  const ffmpeg = () => resolveFfmpegBinaries(io.env).ffmpeg;
  const machine = await describeMachine();
  const kernel = bicubicKernel();
  io.stdout.write(
    `uprez bench ${o.quick ? '(quick) ' : ''}${machine.date}\n${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, GPU: ${machine.gpu}, load ${machine.loadAtStart}\n`,
  );
  io.stdout.write(
    `bicubic kernel: ${kernel.kind}${kernel.kind === 'native' ? ` (${kernel.simd})` : ` (${kernel.why ?? ''})`}; benchmarks: ${o.only.join(', ')}\n\n`,
  );
  const needsModel = o.only.some((id) => id === 'overhead' || id === 'parallelism');
  const resolved = needsModel ? resolveModel({ modelsDir: defaultModelsDir(), model: o.model, scale: 2, purpose: 'live' }) : null;
  const model = () => {
    if (!resolved) throw new UprezError('BENCH_NOT_READY', 'no model resolved');
    return resolved;
  };
  let providerInUse = o.provider === 'cuda' ? 'cuda' : 'cpu';
  const done: { id: BenchId; markdown: string }[] = [];
  const runners: Record<BenchId, () => Promise<BenchSection>> = {
    overhead: async () => runOverheadBench({ model: model(), provider: o.provider, threads: o.threads, quick: o.quick, log }),
    inference: async () => runInferenceBench({ quick: o.quick, log }),
    fallback: async () => runFallbackBench({ ffmpeg: ffmpeg(), quick: o.quick, log }),
    parallelism: async () => runParallelismBench({ model: model(), provider: o.provider, quick: o.quick, log }),
    live: async () =>
      runLiveBench({
        ffmpeg: ffmpeg(),
        model: o.model,
        fallbackModel: o.fallbackModel,
        provider: o.provider,
        seconds: o.liveSeconds,
        workers: o.workers,
        hysteresis: o.hysteresis,
        x264Preset: o.x264Preset,
        log,
      }),
    x264: async () => {
      const videoDir = o.viewer.videoDir ?? defaultVideoDir(path.dirname(defaultModelsDir()));
      return runX264Bench({ ffmpeg: ffmpeg(), quick: o.quick, videoDir, log, progress: (l) => io.stderr.write(`${l}\n`) });
    },
    viewer: async () => {
      const v = o.viewer;
      const server = {
        cli: v.cli ?? builtCliPath(),
        model: o.model,
        fallbackModel: o.fallbackModel,
        provider: o.provider,
        workers: o.workers,
        hysteresis: o.hysteresis,
        x264Preset: o.x264Preset,
      };
      const videoDir = v.videoDir ?? defaultVideoDir(path.dirname(defaultModelsDir()));
      return runViewerBench({
        ffmpeg: ffmpeg(),
        ffprobe: resolveFfmpegBinaries(io.env).ffprobe,
        server,
        videoDir,
        clips: v.clips,
        crfs: v.crfs,
        repeats: v.repeats,
        ssimEvery: v.ssimEvery,
        timeSeconds: v.timeSeconds,
        offline: v.offline,
        log,
        progress: (l) => io.stderr.write(`${l}\n`),
      });
    },
    density: async () =>
      runDensityBench({
        ffmpeg: ffmpeg(),
        model: o.model,
        fallbackModel: o.fallbackModel,
        provider: o.provider,
        seconds: o.quick ? 12 : 30,
        maxStreams: o.quick ? 2 : 6,
        log,
      }),
    memory: async () => runMemoryBench({ ffmpeg: ffmpeg(), model: o.model, seconds: o.quick ? 8 : 20, log }),
    gpu: async () => gpuSection(machine, o, providerInUse),
  };
  let failed = 0;
  for (const id of o.only) {
    const t0 = Date.now();
    io.stderr.write(`running ${id} ...\n`);
    let section: BenchSection;
    try {
      section = await runners[id]();
    } catch (err) {
      failed++;
      io.stderr.write(`uprez bench: ${id} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      continue;
    }
    if (section.provider) providerInUse = section.provider;
    io.stdout.write(`${renderText(section)}  (${((Date.now() - t0) / 1000).toFixed(0)} s)\n\n`);
    done.push({ id, markdown: `${renderSection(section)}\n${runHeader(machine, providerInUse, o.quick)}\n` });
  }
  if (o.out && done.length) {
    let existing = '';
    try {
      existing = await readFile(o.out, 'utf8');
    } catch {
      /* a new report */
    }
    await writeFile(o.out, mergeReport(existing, done));
    io.stdout.write(`updated ${done.map((d) => d.id).join(', ')} in ${o.out}\n`);
  }
  return failed ? 1 : 0;
};

/**
 * Density: how many simultaneous 640x360 30 fps streams one server process carries before any
 * of them misses its frame rate, and the memory each stream costs (this process plus its
 * decoder and encoder ffmpeg children, from /proc).
 */
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { liveProcesses, type SupervisedProcess } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import type { StreamSnapshot } from '../stream/stream-snapshot.js';
import { row, type BenchRow, type BenchSection } from './bench-section.js';
import { fmt, median } from './bench-stats.js';
import { makeClip, sampleWhileLive, startLiveServer, startPublisher, streamSnapshot, waitFor } from './live-harness.js';
import type { ProviderChoice } from '../upscale/model-runner.js';

/** DensityBenchOptions: binaries, model flag, provider, seconds per step, the most streams to try. */
export interface DensityBenchOptions {
  readonly ffmpeg: string;
  readonly model: string | undefined;
  /** --fallback-model for the server; undefined: the server's default. */
  readonly fallbackModel?: string | undefined;
  readonly provider: ProviderChoice;
  readonly seconds: number;
  readonly maxStreams: number;
  readonly log: Logger;
}

/** rssMiB of a pid from /proc (0 when it is gone or /proc is absent). */
async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** serverRssMiB is this process plus the server's ffmpeg children (publishers and bench helpers excluded). */
async function serverRssMiB(): Promise<number> {
  let total = process.memoryUsage().rss / 2 ** 20;
  for (const p of liveProcesses()) if (!p.name.startsWith('bench-')) total += await rssMiB(p.pid);
  return total;
}

/** StepResult is one level of concurrency. */
interface StepResult {
  readonly streams: number;
  readonly ok: boolean;
  readonly worstFps: number;
  readonly framesShort: number;
  readonly aiShare: number;
  readonly rssMiB: number;
}

/** runDensityBench adds streams one step at a time until one misses 30 fps or maxStreams is reached. */
export async function runDensityBench(o: DensityBenchOptions): Promise<BenchSection> {
  const dir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-density-'));
  const steps: StepResult[] = [];
  let idleRss = 0;
  try {
    const clip = await makeClip(o.ffmpeg, dir, 640, 360, o.seconds, o.log);
    for (let n = 1; n <= o.maxStreams; n++) {
      const srv = await startLiveServer(
        [
          ...(o.model ? ['--model', o.model] : []),
          ...(o.fallbackModel ? ['--fallback-model', o.fallbackModel] : []),
          '--provider',
          o.provider,
          '--log-level',
          'error',
        ],
        o.log,
      );
      try {
        if (n === 1) idleRss = await serverRssMiB();
        const keys = Array.from({ length: n }, (_, i) => `d${n}s${i}`);
        const pubs: SupervisedProcess[] = keys.map((k) =>
          startPublisher(o.ffmpeg, clip, `rtmp://127.0.0.1:${srv.rtmpPort}/live/${k}`, o.log),
        );
        let running = n;
        for (const p of pubs) void p.exited.then(() => running--);
        let rss = 0;
        const sampler = (async () => {
          // Memory at the middle of the run, when every stream is up.
          await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 2));
          rss = await serverRssMiB();
        })();
        const samples = await Promise.all(keys.map((k) => sampleWhileLive(srv.base, k, () => running === n)));
        await Promise.all(pubs.map((p) => p.exited));
        await sampler;
        const finals = await Promise.all(
          keys.map((k) =>
            waitFor(`stream ${k} to end`, 60_000, async () => {
              const s = await streamSnapshot(srv.base, k);
              return s && (s.state === 'ended' || s.state === 'failed') ? s : undefined;
            }),
          ),
        );
        const fpsOf = (live: readonly StreamSnapshot[]) => median(live.slice(3).map((x) => x.outputFps));
        const worstFps = Math.min(...samples.map(fpsOf));
        const framesShort = Math.max(...finals.map((f) => f.frames.in - f.frames.out), ...finals.map((f) => o.seconds * 30 - f.frames.in));
        const aiShare = median(finals.map((f) => f.aiShare));
        const ok = worstFps >= 29 && finals.every((f) => f.state === 'ended' && f.frames.out === f.frames.in) && framesShort <= 2;
        steps.push({ streams: n, ok, worstFps, framesShort, aiShare, rssMiB: rss });
      } finally {
        await srv.close();
      }
      if (!steps[steps.length - 1]?.ok) break;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const carried = steps.filter((s) => s.ok).length;
  const rows: BenchRow[] = steps.map((s) => ({
    ...row(
      `${s.streams} stream(s)`,
      `worst ${fmt(s.worstFps, 2)} fps, ${s.framesShort} frames short, ${fmt(100 * s.aiShare, 0)} % AI`,
      '30 fps each, every frame',
      s.worstFps / 30,
      '>= 0.97',
    ),
    // Carried means the frame rate held and no frame was lost, not the fps ratio alone.
    pass: s.ok,
  }));
  const perStream = steps.map((s) => (s.rssMiB - idleRss) / s.streams).filter((v) => v > 0);
  return {
    id: 'density',
    title: 'Density: simultaneous 640x360 30 fps streams in one process (x2)',
    rows,
    notes: [
      `Streams carried without missing their frame rate: ${carried} (stopped at the first step where a stream fell below 29 fps or lost frames, or at ${o.maxStreams}).`,
      `Memory: idle server ${fmt(idleRss, 0)} MiB (process + model); per stream ${perStream.length ? fmt(median(perStream), 0) : 'n/a'} MiB (median over steps of (RSS - idle) / streams, counting this process and the stream's decoder and encoder ffmpeg processes; publishers excluded).`,
      `Each step: a fresh server (models: ${o.model ?? 'the live default'}${o.fallbackModel ? `, --fallback-model ${o.fallbackModel}` : ' and its default fallback model'}), every publisher started together, ${o.seconds} s of pre-encoded testsrc2 with audio; fps = median of /api/streams outputFps while live (first 3 s skipped), the worst stream reported. The bench process's RSS counts too, so the idle figure is lower when density runs alone than after other sections.`,
    ],
  };
}

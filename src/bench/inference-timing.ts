/**
 * Timing kit for the inference benchmark: one "case" per thing measured (an onnxruntime session
 * with given options, the native kernel on one instruction set, region runs, the FMA peak probe),
 * each run on the calling thread on the same frame, and a loop that runs every case once per
 * repeat, interleaved, so a busy machine slows them alike. Each run records wall time and the
 * process's CPU time (the benchmark thread is the only busy one, so CPU time is the time it
 * actually ran; on a shared machine the wall clock also counts time other jobs held the core).
 */
import * as ort from 'onnxruntime-node';
import type { NativeSrAddon } from '../upscale/native/sr-addon.mjs';
import type { SrNetSpec } from '../upscale/native/sr-graph.js';
import { median } from './bench-stats.js';

/** TimingCase is one thing to time: `gmac` multiply-accumulates (billions) per run. */
export interface TimingCase {
  readonly label: string;
  readonly gmac: number;
  run(): unknown;
  close?(): Promise<void>;
}

/** Timing: median wall and CPU milliseconds per run, and the rates they give. */
export interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** GMAC per second of CPU time (the figure compared with the peak, measured the same way). */
  readonly gmacsCpu: number;
  /** GMAC per second of wall-clock time. */
  readonly gmacsWall: number;
  /** The best round's GMAC per CPU-second: for a ceiling such as the FMA peak, which interference only lowers. */
  readonly bestGmacsCpu: number;
}

/** ORT_SERVER_OPTIONS: what the inference worker uses (inference-worker.mjs), one intra-op thread. */
export const ORT_SERVER_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 4,
};

/** texturePlane is a deterministic luma plane (edges, gradients): compute cost does not depend on content, but keep it frame-like. */
export function texturePlane(w: number, h: number): Uint8Array {
  const y = new Uint8Array(w * h);
  for (let i = 0; i < y.length; i++) y[i] = (i * 37 + ((i / w) | 0) * 11 + ((i * 7919) % 23)) & 255;
  return y;
}

/** ortCase times session.run of the model with the server's options plus `overrides`. */
export async function ortCase(
  label: string,
  modelPath: string,
  macsPerPixel: number,
  w: number,
  h: number,
  overrides: ort.InferenceSession.SessionOptions = {},
): Promise<TimingCase> {
  const session = await ort.InferenceSession.create(modelPath, { ...ORT_SERVER_OPTIONS, ...overrides });
  const input = new ort.Tensor('uint8', texturePlane(w, h), [1, 1, h, w]);
  const name = session.inputNames[0] ?? 'y';
  return { label, gmac: (macsPerPixel * w * h) / 1e9, run: () => session.run({ [name]: input }), close: () => session.release() };
}

/** nativeCase times a whole-frame run of the native kernel. */
export function nativeCase(label: string, addon: NativeSrAddon, spec: SrNetSpec, isa: string, w: number, h: number, strip = 0): TimingCase {
  const net = addon.create(spec, isa);
  const y = texturePlane(w, h);
  const out = new Uint8Array(w * spec.scale * h * spec.scale);
  return { label, gmac: (spec.macsPerPixel * w * h) / 1e9, run: () => addon.run(net, y, w, h, out, strip) };
}

/** regionsCase times the native kernel producing the whole frame as tile x tile regions (each paying its own halo). */
export function regionsCase(
  label: string,
  addon: NativeSrAddon,
  spec: SrNetSpec,
  isa: string,
  w: number,
  h: number,
  tile: number,
): TimingCase {
  const net = addon.create(spec, isa);
  const y = texturePlane(w, h);
  const rects: number[] = [];
  for (let ty = 0; ty < h; ty += tile)
    for (let tx = 0; tx < w; tx += tile) rects.push(tx, ty, Math.min(tile, w - tx), Math.min(tile, h - ty));
  const packed = Int32Array.from(rects);
  const out = new Uint8Array(w * spec.scale * h * spec.scale);
  // GMAC counted for the frame's useful output: the halo recomputed per tile shows as a lower rate.
  return { label, gmac: (spec.macsPerPixel * w * h) / 1e9, run: () => addon.runRegions(net, y, w, h, packed, out, null) };
}

/**
 * peakCase times the addon's FMA probe on one instruction set for about `ms` milliseconds a run
 * (sized from the best of a few short calibration runs, so a descheduled one does not shrink it).
 */
export function peakCase(label: string, addon: NativeSrAddon, isa: string, ms = 60): TimingCase {
  const cal = 200_000;
  const probes = [0, 1, 2].map(() => addon.fmaPeak(isa, cal));
  const probe = probes.reduce((a, b) => (b.gmacs > a.gmacs ? b : a));
  const perIter = probe.seconds / cal;
  const iterations = Math.max(10_000, Math.round(ms / 1000 / Math.max(perIter, 1e-10)));
  const macsPerIter = (probe.gmacs * 1e9 * probe.seconds) / cal;
  return { label, gmac: (macsPerIter * iterations) / 1e9, run: () => addon.fmaPeak(isa, iterations) };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** measure runs every case `warm` times, then `repeats` rounds of one run each, interleaved; medians per case. */
export async function measure(cases: readonly TimingCase[], repeats: number, warm = 2): Promise<Map<TimingCase, Timing>> {
  for (const c of cases) for (let k = 0; k < warm; k++) await c.run();
  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    for (const [i, c] of cases.entries()) {
      const c0 = cpuMs();
      const t0 = performance.now();
      await c.run();
      (wall[i] as number[]).push(performance.now() - t0);
      (cpu[i] as number[]).push(cpuMs() - c0);
    }
  }
  const out = new Map<TimingCase, Timing>();
  cases.forEach((c, i) => {
    const w = median(wall[i] as number[]);
    const p = median(cpu[i] as number[]);
    const best = Math.min(...(cpu[i] as number[]));
    out.set(c, {
      wallMs: w,
      cpuMs: p,
      gmacsCpu: (c.gmac * 1000) / p,
      gmacsWall: (c.gmac * 1000) / w,
      bestGmacsCpu: (c.gmac * 1000) / best,
    });
  });
  return out;
}

/** Throughput helpers shared by the overhead and parallelism benchmarks. */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../log/logger.js';
import { planesOf, type FrameGeometry } from '../media/frame.js';
import type { ModelRunner } from '../upscale/model-runner.js';
import { createUpscaleStage } from '../upscale/upscale-stage.js';
import { UprezError } from '../errors.js';

/** syntheticFrames makes n distinct yuv420p frames with texture (a moving pattern plus noise). */
export function syntheticFrames(g: FrameGeometry, n: number, seed = 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = seed >>> 0 || 1;
  for (let k = 0; k < n; k++) {
    const f = new Uint8Array(g.frameSize);
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        f[y * g.width + x] = (((x + 3 * k) ^ (y * 2)) & 127) + ((x * y + k * 7) & 63) + (s & 31);
      }
    }
    f.fill(128, g.lumaSize);
    out.push(f);
  }
  return out;
}

/**
 * framesFor picks how many frames make one measurement last about `targetMs` given one frame's
 * time (a slow model gets fewer frames, a fast one more), within [min, max].
 */
export function framesFor(frameMs: number, targetMs: number, min: number, max: number): number {
  if (!(frameMs > 0)) return max;
  return Math.max(min, Math.min(max, Math.ceil(targetMs / frameMs)));
}

/** stageFps runs the frames through a quality-mode stage (every frame through the model) and returns frames per second. */
export async function stageFps(
  runner: ModelRunner,
  g: FrameGeometry,
  frames: readonly Uint8Array[],
  log: Logger,
  maxInFlight = 4,
): Promise<number> {
  const stage = createUpscaleStage({ mode: 'quality', scale: runner.info.scale, runner, maxInFlight, log });
  let modelFrames = 0;
  stage.onOutput((f) => {
    if (f.path === 'model') modelFrames++;
  });
  const t0 = performance.now();
  for (const [seq, data] of frames.entries()) {
    await stage.whenReady();
    const now = performance.now();
    stage.push({ seq, pts: seq / 30, arrivedAt: now, deadline: now, geometry: g, data });
  }
  await stage.flush();
  const s = (performance.now() - t0) / 1000;
  stage.close();
  if (modelFrames !== frames.length)
    throw new UprezError('BENCH_OUTPUT_INVALID', `${frames.length - modelFrames} of ${frames.length} frames did not go through the model`);
  return frames.length / s;
}

/** RawSession is onnxruntime-node on the calling thread with ready tensors: the baseline. */
export class RawSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
  ) {}

  /** create loads the model with the same session options as the inference worker. */
  static async create(modelPath: string, provider: 'cpu' | 'cuda', intraOpThreads: number): Promise<RawSession> {
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: [provider],
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 4,
    });
    return new RawSession(session, session.inputNames[0] ?? '');
  }

  /** fps runs session.run once per frame on tensors built beforehand and returns frames per second. */
  async fps(g: FrameGeometry, frames: readonly Uint8Array[]): Promise<number> {
    const tensors = frames.map((f) => new ort.Tensor('uint8', planesOf(f, g).y.slice(), [1, 1, g.height, g.width]));
    const t0 = performance.now();
    for (const t of tensors) await this.session.run({ [this.inputName]: t });
    return frames.length / ((performance.now() - t0) / 1000);
  }

  /** close releases the session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

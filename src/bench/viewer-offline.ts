/**
 * The offline reference of the viewer benchmark (opt-in, --offline): the same publisher file
 * upscaled in quality mode by `uprez file` (every frame through the live model, no deadline),
 * beside `uprez file --model bicubic`, both scored against the truth. Its gain is what the live
 * stream would give if the model reached every frame: the ceiling issue 12's targets compare to.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { parseMasterPlaylist } from '../stream/renditions.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import type { LumaFile } from './luma-file.js';
import { SCALE, type ViewerContext } from './viewer-context.js';
import { decodeLumaArgs } from './viewer-media.js';
import { scoreLuma } from './luma-score.js';
import { commonMeanDiff, type ClipScore } from './viewer-score.js';

/** OfflineScore is the quality-mode reference for one publisher file. */
export interface OfflineScore {
  readonly model: string;
  readonly psnrModel: number;
  readonly psnrBicubic: number;
  /** Gains over the truth frames both outputs showed. */
  readonly psnrGain: number;
  readonly ssimGain: number;
}

/** fileArgs: `uprez file` of the publisher's clip in quality mode with one model (or bicubic). */
export function fileArgs(cli: string, clip: string, outDir: string, model: string, provider: string): string[] {
  return [cli, 'file', clip, '--out', outDir, '--scale', String(SCALE), '--model', model, '--provider', provider];
}

async function oneSide(c: ViewerContext, clip: string, truth: LumaFile, model: string, dir: string, ssimEvery: number): Promise<ClipScore> {
  const out = await mkdtemp(path.join(dir, 'offline-'));
  try {
    await runFfmpeg({
      bin: process.execPath,
      args: fileArgs(c.server.cli, clip, out, model, c.server.provider),
      name: 'uprez file',
      log: c.log,
      timeoutMs: null,
    });
    const top = parseMasterPlaylist(await readFile(path.join(out, 'master.m3u8'), 'utf8'), out).sort(
      (a, b) => b.width * b.height - a.width * a.height,
    )[0];
    if (!top || top.width !== truth.width || top.height !== truth.height) {
      throw new UprezError(
        'BENCH_OUTPUT_INVALID',
        `uprez file's top rendition is ${top ? `${top.width}x${top.height}` : 'missing'}, the truth ${truth.width}x${truth.height}`,
      );
    }
    const luma = path.join(out, 'top.y');
    await runFfmpeg({ bin: c.ffmpeg, args: decodeLumaArgs(top.playlist, luma), name: 'ffmpeg', log: c.log, timeoutMs: null });
    return (await scoreLuma(luma, truth, ssimEvery)).score;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** runOffline upscales `clip` with `model` and with bicubic in quality mode and scores both. */
export async function runOffline(
  c: ViewerContext,
  clip: string,
  truth: LumaFile,
  model: string,
  dir: string,
  ssimEvery: number,
): Promise<OfflineScore> {
  const m = await oneSide(c, clip, truth, model, dir, ssimEvery);
  const b = await oneSide(c, clip, truth, 'bicubic', dir, ssimEvery);
  return {
    model,
    psnrModel: m.psnr,
    psnrBicubic: b.psnr,
    psnrGain: commonMeanDiff(m.psnrAt, b.psnrAt),
    ssimGain: commonMeanDiff(m.ssimAt, b.ssimAt),
  };
}

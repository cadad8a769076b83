import { performance } from 'node:perf_hooks';
import type { VideoInfo } from '../decode/video-info.js';
import { buildLadder } from '../encode/ladder.js';
import type { Logger } from '../log/logger.js';
import type { FileTranscodeOptions, FileTranscodeResult } from './file-transcode-types.js';
import { writeJobState, type FileJobState } from './job-state-file.js';
import type { SegmentPlan } from './segment-plan.js';
import { finalizeVod } from './vod-finalize.js';

/** The extra rung heights of a file job (a 2160p rung whenever the output is taller). */
export const EXTRA_RUNG_HEIGHTS: readonly number[] = [2160];

/**
 * rewriteFinishedJob handles a rerun of a job whose encode is complete (finished, or stopped while
 * writing its playlists or MP4): nothing is encoded again; the VOD playlists, subtitles and (when
 * asked) the MP4 are written again from the saved state, and the job is marked finished.
 */
export async function rewriteFinishedJob(
  prev: FileJobState,
  o: FileTranscodeOptions,
  log: Logger,
  startedAt: number,
): Promise<FileTranscodeResult> {
  const plan: SegmentPlan = { segmentFrames: prev.segmentFrames, fpsNum: prev.fpsNum, fpsDen: prev.fpsDen };
  const source: VideoInfo = { width: prev.width, height: prev.height, fpsNum: prev.fpsNum, fpsDen: prev.fpsDen };
  const rungs = buildLadder(source, prev.scale, prev.hasAudio, EXTRA_RUNG_HEIGHTS);
  const totalFrames = prev.totalFrames ?? 0;
  log.info('the job was already encoded; writing its playlists (and MP4) again', { frames: totalFrames });
  const result = await finalizeVod({
    binaries: o.binaries,
    log,
    outDir: o.outDir,
    input: prev.input,
    rungs,
    plan,
    totalFrames,
    mp4: o.mp4,
    signal: o.signal,
  });
  if (!prev.finished) await writeJobState(o.outDir, { ...prev, finished: true, updatedAt: new Date().toISOString() });
  return {
    ...result,
    totalFrames,
    resumedAtSegment: result.segments,
    framesThisRun: 0,
    seconds: (performance.now() - startedAt) / 1000,
    source: { width: prev.width, height: prev.height, fps: prev.fpsNum / prev.fpsDen },
    output: { width: prev.width * prev.scale, height: prev.height * prev.scale },
    rungs: rungs.map((r) => r.name),
    upscaler: prev.upscaler,
    hasAudio: prev.hasAudio,
  };
}

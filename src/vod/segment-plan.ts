import type { VideoInfo } from '../decode/video-info.js';

/** SegmentPlan fixes how a file job cuts its output: every segment is exactly `segmentFrames` frames (the last may be shorter). */
export interface SegmentPlan {
  readonly segmentFrames: number;
  readonly fpsNum: number;
  readonly fpsDen: number;
}

/** ResumePoint is where a (re)started file job begins: the first segment it must still write. */
export interface ResumePoint {
  /** Segment number of the first new segment (ffmpeg -start_number). */
  readonly startSegment: number;
  /** Source frame that segment starts with. */
  readonly startFrame: number;
  /** Its time in the source, seconds (decoder -ss, encoder -output_ts_offset). */
  readonly startSeconds: number;
}

/**
 * segmentPlanFor picks a whole number of frames per segment near `segmentSeconds` (at least 1),
 * so segment boundaries are frame counts and a resumed job knows exactly where each one starts.
 */
export function segmentPlanFor(video: VideoInfo, segmentSeconds: number): SegmentPlan {
  if (!(segmentSeconds > 0)) throw new RangeError(`segmentSeconds must be > 0, got ${segmentSeconds}`);
  if (!(video.fpsNum > 0 && video.fpsDen > 0)) throw new RangeError(`invalid frame rate ${video.fpsNum}/${video.fpsDen}`);
  const segmentFrames = Math.max(1, Math.round((segmentSeconds * video.fpsNum) / video.fpsDen));
  return { segmentFrames, fpsNum: video.fpsNum, fpsDen: video.fpsDen };
}

/** frameSeconds is the source time of frame `n` under the plan's constant frame rate. */
export function frameSeconds(plan: SegmentPlan, n: number): number {
  return (n * plan.fpsDen) / plan.fpsNum;
}

/** resumePointFor says where to start when `segmentsDone` whole segments are already written. */
export function resumePointFor(plan: SegmentPlan, segmentsDone: number): ResumePoint {
  if (!Number.isInteger(segmentsDone) || segmentsDone < 0)
    throw new RangeError(`segmentsDone must be a whole number >= 0, got ${segmentsDone}`);
  const startFrame = segmentsDone * plan.segmentFrames;
  return { startSegment: segmentsDone, startFrame, startSeconds: frameSeconds(plan, startFrame) };
}

/** segmentDurations lists each segment's duration (seconds) for `totalFrames` frames cut by the plan. */
export function segmentDurations(plan: SegmentPlan, totalFrames: number): number[] {
  if (!Number.isInteger(totalFrames) || totalFrames < 0)
    throw new RangeError(`totalFrames must be a whole number >= 0, got ${totalFrames}`);
  const out: number[] = [];
  for (let first = 0; first < totalFrames; first += plan.segmentFrames) {
    out.push(frameSeconds(plan, Math.min(plan.segmentFrames, totalFrames - first)));
  }
  return out;
}

/**
 * segmentsComplete is how many leading segments are finished in every rung, given the highest
 * segment number each rung has reported (-1 or absent: none). Segments are written in order,
 * so a rung that reported segment k has 0..k.
 */
export function segmentsComplete(rungs: readonly string[], highest: ReadonlyMap<string, number>): number {
  if (rungs.length === 0) return 0;
  return Math.min(...rungs.map((r) => (highest.get(r) ?? -1) + 1));
}

import type { VideoInfo } from '../decode/video-info.js';

/**
 * frameSegmentKeyframeArgs makes segment boundaries a matter of frame counts, not clock time: a
 * keyframe at every multiple of `segmentFrames` (and no other: GOP = segmentFrames, scene cuts
 * are off in the caller's args), so segment k holds exactly frames [k*N, (k+1)*N) in every rung.
 * That is what lets a file job resume: the frame where segment k starts is known in advance.
 */
export function frameSegmentKeyframeArgs(segmentFrames: number): string[] {
  checkFrames(segmentFrames);
  return ['-g', String(segmentFrames), '-keyint_min', String(segmentFrames), '-force_key_frames', `expr:eq(mod(n,${segmentFrames}),0)`];
}

/**
 * frameSegmentHlsTime is the -hls_time to pair with frameSegmentKeyframeArgs: half a frame less
 * than a segment, so the HLS muxer cuts at every forced keyframe. (It cuts at the first keyframe
 * at or after segments x hls_time; with hls_time exactly N frames, rounding of the time base
 * could let a boundary slip one whole segment.)
 */
export function frameSegmentHlsTime(segmentFrames: number, video: VideoInfo): string {
  checkFrames(segmentFrames);
  return (((segmentFrames - 0.5) * video.fpsDen) / video.fpsNum).toFixed(6);
}

function checkFrames(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`segmentFrames must be a whole number >= 1, got ${n}`);
}

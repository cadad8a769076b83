/**
 * The denoise level a video file needs (`uprez file --denoise auto`), from ffprobe: the video
 * stream's bits per pixel (bit_rate / (width * height * fps)) through denoise-choice's calibration
 * (bits per pixel -> CRF-equivalent -> level). The calibration was fitted on H.264 publisher-like
 * streams (veryfast, zerolatency), so only H.264 is measured; a file encoded with a slower preset
 * and B-frames needs fewer bits at the same quality, so the guess leans to a stronger level. Other
 * codecs (HEVC, VP9, AV1 need fewer bits for the same quality, by an amount not measured here) and
 * files without a bitrate get level 0 with a reason. Without a stream bit_rate (Matroska, WebM) the
 * container's bit_rate less the audio streams' is used.
 */
import { bitsPerPixel, crfEquivalent, levelForCrf, type DenoiseLevel } from '../upscale/denoise-choice.js';
import type { MediaProbe } from '../ffmpeg/probe.js';

/** FileDenoiseLevel is the level a file asks for and why (logged, and in the job's report). */
export interface FileDenoiseLevel {
  readonly level: DenoiseLevel;
  readonly reason: string;
  /** The measured bits per pixel, when there was one. */
  readonly bitsPerPixel?: number;
}

/** denoiseLevelOfProbe turns ffprobe's view of a file into a level (pure). */
export function denoiseLevelOfProbe(probe: MediaProbe): FileDenoiseLevel {
  const video = probe.streams.find((s) => s.codecType === 'video');
  if (!video) return { level: 0, reason: 'no video stream: level 0' };
  if (video.codecName !== 'h264')
    return { level: 0, reason: `${video.codecName ?? 'unknown'} video: only H.264 bitrates are calibrated, level 0` };
  const { width, height, fps } = video;
  if (!width || !height || !fps) return { level: 0, reason: 'H.264 video without size or frame rate: level 0' };
  let rate = video.bitRate;
  let source = 'stream';
  if (rate === undefined && probe.format.bitRate !== undefined) {
    const audio = probe.streams.filter((s) => s.codecType === 'audio').reduce((sum, s) => sum + (s.bitRate ?? 0), 0);
    rate = probe.format.bitRate - audio;
    source = 'container';
  }
  if (rate === undefined || !(rate > 0)) return { level: 0, reason: 'H.264 video without a bitrate: level 0' };
  const bpp = bitsPerPixel(rate, width, height, fps);
  const crf = crfEquivalent({ bitsPerPixel: bpp }) as number;
  const level = levelForCrf(crf);
  const kbps = Math.round(rate / 1000);
  return {
    level,
    bitsPerPixel: bpp,
    reason: `H.264 ${width}x${height} at ${kbps} kb/s (${source}) = ${bpp.toFixed(3)} bits/pixel, about CRF ${crf.toFixed(0)}`,
  };
}

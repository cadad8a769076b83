import type { VideoInfo } from '../decode/video-info.js';

/** Y4M_FRAME_MARKER precedes every frame's data in a yuv4mpegpipe stream. */
export const Y4M_FRAME_MARKER: Uint8Array = new TextEncoder().encode('FRAME\n');

/**
 * y4mStreamHeader writes the YUV4MPEG2 stream header for progressive yuv420p frames of `info`
 * (MPEG-2 chroma siting, which is what the decoder's ffmpeg produces and H.264 expects).
 */
export function y4mStreamHeader(info: VideoInfo): string {
  const { width, height, fpsNum, fpsDen } = info;
  for (const [k, v] of Object.entries({ width, height, fpsNum, fpsDen })) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`y4m header: ${k} must be a positive integer, got ${v}`);
  }
  return `YUV4MPEG2 W${width} H${height} F${fpsNum}:${fpsDen} Ip A1:1 C420mpeg2\n`;
}

/** How a location is handed to ffmpeg's -i: shared by the decoder, file jobs and the restream publisher. */
import path from 'node:path';

/** isUrl tells a URL (scheme://…) from a file path. */
export function isUrl(input: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input);
}

/** isLiveUrl says whether the input is a live network stream (RTMP/SRT/RTSP…), where live flags apply. */
export function isLiveUrl(input: string): boolean {
  return /^(rtmps?|rtmpt|srt|rtsp|rtp|udp|tcp):\/\//i.test(input);
}

/**
 * ffmpegInput makes a location safe for -i: URLs as they are, paths absolute behind the file: protocol,
 * so a name starting with "-" is not an option and one containing ":" is not taken for a protocol.
 */
export function ffmpegInput(location: string): string {
  return isUrl(location) ? location : `file:${path.resolve(location)}`;
}

import type { VideoInfo } from '../decode/video-info.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import type { Rung } from './ladder.js';

/** PushOutput is an extra destination for the top rung: an RTMP(S) server that takes FLV. */
export interface PushOutput {
  /** rtmp:// or rtmps:// URL (see validatePushUrl). */
  readonly url: string;
}

/**
 * Characters a push URL may hold. The URL is handed to ffmpeg's tee muxer, where `|`, `[`, `]`,
 * `:` inside options and `\` are syntax; we refuse every character outside a plain URL alphabet
 * (no spaces, quotes, brackets, pipes, backslashes) rather than escape them.
 */
const PUSH_URL_CHARS = /^[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$/;

/**
 * validatePushUrl checks a restream destination: rtmp:// or rtmps:// only, a host, at most 1024
 * characters of a plain URL alphabet. Returns a problem to report, or null when it is usable.
 */
export function validatePushUrl(url: string): string | null {
  if (url.length > 1024) return 'is longer than 1024 characters';
  if (!/^rtmps?:\/\//i.test(url)) return 'must start with rtmp:// or rtmps://';
  if (!PUSH_URL_CHARS.test(url) || url.includes("'")) return 'has characters a push URL may not contain (spaces, quotes, brackets, |, \\)';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (!parsed.hostname) return 'has no host';
  return null;
}

/**
 * teeTarget is the tee muxer's slave list: the push as FLV with onfail=ignore, plus a null slave.
 * tee fails the whole output (and so the encoder, and the HLS ladder with it) once every slave has
 * failed, so the null slave, which cannot fail, keeps a refused or dropped push from doing that.
 */
export function teeTarget(url: string): string {
  const problem = validatePushUrl(url);
  if (problem) throw new RangeError(`push URL ${problem}`);
  return `[f=flv:onfail=ignore]${url}|[f=null]-`;
}

/**
 * pushOutputArgs builds a second ffmpeg output that sends the top rung (and the audio) to an
 * RTMP server as FLV, for `uprez restream --to`. It is its own x264 encode of the top rung (an
 * ffmpeg output cannot share another output's encoder), at the rung's bitrate, GOP `gop`
 * frames. It goes through the tee muxer with onfail=ignore, so a destination that refuses or
 * drops us does not end the HLS ladder (it is not retried for that encoder's life); global headers are needed because tee, unlike the flv
 * muxer, does not ask for them.
 */
export function pushOutputArgs(push: PushOutput, input: VideoInfo, top: Rung, hasAudio: boolean, gop: number): string[] {
  const args = ['-map', '0:v'];
  if (top.width !== input.width || top.height !== input.height) args.push('-vf', `crop=${top.width}:${top.height}:0:0`);
  if (hasAudio) args.push('-map', '1:a');
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-bf',
    '0',
    '-g',
    String(gop),
    '-b:v',
    String(top.videoBitrate),
    '-maxrate:v',
    String(top.videoBitrate),
    '-bufsize:v',
    String(top.bufsize),
    '-level:v',
    top.level,
    '-flags:v',
    '+global_header',
  );
  if (hasAudio) {
    args.push(
      '-c:a',
      'aac',
      '-ar',
      String(PCM_FORMAT.sampleRate),
      '-ac',
      String(PCM_FORMAT.channels),
      '-b:a',
      String(top.audioBitrate ?? 128_000),
      '-flags:a',
      '+global_header',
    );
  }
  args.push('-max_muxing_queue_size', '4096', '-f', 'tee', teeTarget(push.url));
  return args;
}

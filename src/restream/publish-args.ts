import { ffmpegInput } from '../ffmpeg/ffmpeg-input.js';

/** PublishArgsOptions describe an archive pushed in real time to an RTMP server as FLV. */
export interface PublishArgsOptions {
  /** The archive (absolute path or URL). */
  readonly input: string;
  /** rtmp(s)://host[:port]/app/KEY[?query]. */
  readonly url: string;
  readonly hasAudio: boolean;
  /** The archive's video is H.264 (FLV carries it as is). */
  readonly copyVideo: boolean;
  /** The archive's audio is AAC (FLV carries it as is). */
  readonly copyAudio: boolean;
  /** GOP for a re-encode, frames (2 s at the source rate is right for live). */
  readonly gop: number;
}

/**
 * publishArgs builds the ffmpeg that plays an archive into an RTMP ingest as if it were live:
 * -re reads at the native rate; H.264 and AAC are copied (no second encode on the machine that
 * will decode, upscale and encode it), anything else becomes H.264 veryfast/zerolatency and AAC.
 * Progress goes to stdout as key=value lines (-progress pipe:1), read by the caller.
 */
export function publishArgs(o: PublishArgsOptions): string[] {
  if (!/^rtmps?:\/\//i.test(o.url)) throw new RangeError('publish URL must be rtmp:// or rtmps://');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'level+warning',
    '-progress',
    'pipe:1',
    '-re',
    '-i',
    ffmpegInput(o.input),
    '-map',
    '0:v:0',
  ];
  if (o.hasAudio) args.push('-map', '0:a:0');
  if (o.copyVideo) args.push('-c:v', 'copy');
  else
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-tune',
      'zerolatency',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(Math.max(1, Math.round(o.gop))),
    );
  if (o.hasAudio) {
    if (o.copyAudio) args.push('-c:a', 'copy');
    else args.push('-c:a', 'aac', '-b:a', '128k', '-ar', '48000');
  }
  args.push('-f', 'flv', o.url);
  return args;
}

/** parseProgressSeconds reads ffmpeg -progress lines and returns the last out_time (seconds), or null. */
export function parseProgressSeconds(text: string): number | null {
  let last: number | null = null;
  for (const m of text.matchAll(/^out_time_us=(\d+)\s*$/gm)) last = Number(m[1]) / 1e6;
  return last;
}

/** ingestPublishUrl joins an ingest base (rtmp://host:port/live) and a key, with a signature query when given. */
export function ingestPublishUrl(base: string, key: string, query?: { exp: string; sig: string }): string {
  const u = base.replace(/\/+$/, '');
  return `${u}/${key}${query ? `?exp=${query.exp}&sig=${query.sig}` : ''}`;
}

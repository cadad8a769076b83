/**
 * The viewer-quality benchmark's media steps as ffmpeg argument lists (pure): the truth clip
 * (sources concatenated, cropped to a multiple of twice the scale, limited-range yuv420p, every
 * frame kept), the publisher's encode of its downscaled copy, a looped clip for the time-only
 * runs, and decoding to raw luma (the Y plane as coded: no range conversion).
 */

/** Rate is a frame rate as a fraction (e.g. 30000/1001). */
export interface Rate {
  readonly num: number;
  readonly den: number;
}

/** rateValue is the rate in frames per second. */
export function rateValue(r: Rate): number {
  return r.num / r.den;
}

/** parseRate reads ffprobe's "num/den" (or a plain number); throws on anything not positive. */
export function parseRate(text: string): Rate {
  const m = /^\s*(\d+)(?:\/(\d+))?\s*$/.exec(text);
  const num = Number(m?.[1] ?? NaN);
  const den = Number(m?.[2] ?? 1);
  if (!m || !(num > 0) || !(den > 0)) throw new RangeError(`not a frame rate: "${text}"`);
  return { num, den };
}

/** gopFrames is the publisher's keyframe interval: `seconds` (default 2) of frames, at least 1. */
export function gopFrames(r: Rate, seconds = 2): number {
  return Math.max(1, Math.round(seconds * rateValue(r)));
}

/** cropToScale rounds a truth size down so the downscaled size is even: a multiple of 2 x scale. */
export function cropToScale(width: number, height: number, scale: number): { width: number; height: number } {
  const m = 2 * scale;
  const out = { width: width - (width % m), height: height - (height % m) };
  if (out.width < m || out.height < m) throw new RangeError(`${width}x${height} is too small for x${scale}`);
  return out;
}

const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];

/**
 * truthArgs: the sources (same size and rate) decoded with every frame kept, concatenated,
 * cropped (centred) to width x height, converted to limited-range yuv420p (the range a
 * publisher's H.264 carries) and written as Y4M at the given rate.
 */
export function truthArgs(sources: readonly string[], width: number, height: number, rate: Rate, out: string): string[] {
  if (sources.length === 0) throw new RangeError('a truth clip needs at least one source');
  const inputs = sources.flatMap((s) => ['-i', s]);
  const joined = sources.length > 1 ? `${sources.map((_, i) => `[${i}:v:0]`).join('')}concat=n=${sources.length}:v=1:a=0,` : '[0:v:0]';
  const chain = `${joined}crop=${width}:${height},format=yuv420p[v]`;
  return [
    ...QUIET,
    ...inputs,
    '-filter_complex',
    chain,
    '-map',
    '[v]',
    '-an',
    '-fps_mode',
    'passthrough',
    '-r',
    `${rate.num}/${rate.den}`,
    '-f',
    'yuv4mpegpipe',
    out,
  ];
}

/** PublisherEncode is how the publisher encodes the downscaled clip. */
export interface PublisherEncode {
  readonly width: number;
  readonly height: number;
  readonly crf: number;
  readonly rate: Rate;
  /** Keyframe interval in seconds (default 2, as OBS and most encoders are set for live). */
  readonly gopSeconds?: number;
}

/**
 * publisherArgs: the truth downscaled (bicubic) to width x height and encoded as a live publisher
 * would (x264 CRF, veryfast, zerolatency, a keyframe every ~2 s), video only, FLV.
 */
export function publisherArgs(truth: string, e: PublisherEncode, out: string): string[] {
  return [...QUIET, '-i', truth, ...publisherEncodeArgs(e, out)];
}

/**
 * loopedClipArgs: a source scaled (bicubic) to width x height and looped to `seconds`, encoded as
 * publisherArgs does (for the time-only runs, which need no truth).
 */
export function loopedClipArgs(source: string, e: PublisherEncode, seconds: number, out: string): string[] {
  return [...QUIET, '-stream_loop', '-1', '-i', source, '-t', String(seconds), ...publisherEncodeArgs(e, out)];
}

/** publisherEncodeArgs: the input scaled (bicubic) to the publish size and encoded as a publisher would, to FLV at `out`. */
function publisherEncodeArgs(e: PublisherEncode, out: string): string[] {
  const gop = String(gopFrames(e.rate, e.gopSeconds));
  return [
    '-vf',
    `scale=${e.width}:${e.height}:flags=bicubic,format=yuv420p`,
    '-fps_mode',
    'passthrough',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-crf',
    String(e.crf),
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-an',
    '-f',
    'flv',
    out,
  ];
}

/**
 * decodeLumaArgs: every decoded frame of the first video stream (no frame dropped or repeated for
 * timing) as raw 8-bit luma, the Y plane copied as coded (format=gray would rescale the range).
 */
export function decodeLumaArgs(input: string, out: string): string[] {
  return [...QUIET, '-i', input, '-map', '0:v:0', '-fps_mode', 'passthrough', '-vf', 'extractplanes=y', '-f', 'rawvideo', out];
}

/** probeArgs: ffprobe's width, height and frame rate of the first video stream, as JSON. */
export function probeArgs(file: string): string[] {
  return ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,avg_frame_rate', '-of', 'json', file];
}

/** VideoProbe is what probeArgs reports. */
export interface VideoProbe {
  readonly width: number;
  readonly height: number;
  readonly rate: Rate;
}

/** parseProbe reads probeArgs' JSON; the average rate wins when it is valid (r_frame_rate can be a field rate). */
export function parseProbe(json: string): VideoProbe {
  const s = (JSON.parse(json) as { streams?: { width?: unknown; height?: unknown; r_frame_rate?: unknown; avg_frame_rate?: unknown }[] })
    .streams?.[0];
  if (!s || typeof s.width !== 'number' || typeof s.height !== 'number') throw new RangeError('ffprobe found no video stream');
  let rate: Rate;
  try {
    rate = parseRate(String(s.avg_frame_rate));
  } catch {
    rate = parseRate(String(s.r_frame_rate));
  }
  return { width: s.width, height: s.height, rate };
}

/** countFramesArgs: ffprobe's count of the first video stream's packets (one per frame in H.264/FLV), as CSV. */
export function countFramesArgs(file: string): string[] {
  return ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file];
}

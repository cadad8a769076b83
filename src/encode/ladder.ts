import type { VideoInfo } from '../decode/video-info.js';
import { avc1HighCodec, h264HighLevel } from './h264-level.js';

/** Rung is one rendition of the HLS ladder. */
export interface Rung {
  /** Stable rendition name, `<height>p` (e.g. "720p"): the media playlist is `<name>/index.m3u8`. */
  name: string;
  width: number;
  height: number;
  /** Target and max video bitrate, bit/s (CBR-like VBV: -b:v = -maxrate). */
  videoBitrate: number;
  /** VBV buffer, bit (vbvSeconds at videoBitrate: 2 s by default, 1 s for live ladders). */
  bufsize: number;
  /** AAC bitrate, bit/s, or null when the stream has no audio. */
  audioBitrate: number | null;
  /** H.264 level given to x264 (High profile), e.g. "3.1". */
  level: string;
  /** RFC 6381 CODECS attribute, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  /** BANDWIDTH ffmpeg 5.1 writes in the master playlist: (video + audio bitrate) x 1.1. */
  bandwidth: number;
}

/** Bitrate of the reference stream (1280x720 at 30 fps) the curve below is anchored on. */
const REF_BITRATE = 2_800_000;
const REF_PIXEL_RATE = 1280 * 720 * 30;
const MIN_BITRATE = 150_000;
/** The least a lower rung gets when the curve's minimum would make it equal to the one above. */
const FLOOR_BITRATE = 50_000;
const AUDIO_BITRATE = 128_000;

/**
 * videoBitrateFor gives a target H.264 bitrate for a size and frame rate: 2.8 Mbit/s at 720p30,
 * growing with the pixel rate to the power 0.75 (small pictures need more bits per pixel),
 * rounded to 10 kbit/s, never below 150 kbit/s. Monotonic in the pixel rate.
 */
export function videoBitrateFor(width: number, height: number, fps: number): number {
  const raw = REF_BITRATE * Math.pow((width * height * fps) / REF_PIXEL_RATE, 0.75);
  return Math.max(MIN_BITRATE, Math.round(raw / 10_000) * 10_000);
}

/** evenDown rounds a dimension down to an even number (yuv420p H.264 needs even sizes), at least 2. */
export function evenDown(n: number): number {
  return Math.max(2, n - (n % 2));
}

/**
 * buildLadder returns the renditions for a source upscaled by an integer `scale`: rung 0 at the
 * upscaled size, rung 1 at the source size (scaled down from the upscaled frames inside
 * ffmpeg). Odd sizes are rounded down to even; with scale 1 both rungs would be the same, so
 * there is one. Each of `extraHeights` (e.g. 2160 for a 4K rung of an 8K output) that lies
 * strictly between the two adds a rung of that height at the upscaled aspect ratio. Rungs are
 * ordered from the largest, bitrates strictly decreasing. `vbvSeconds` sizes each rung's VBV.
 */
export function buildLadder(
  source: VideoInfo,
  scale: number,
  hasAudio: boolean,
  extraHeights: readonly number[] = [],
  vbvSeconds = 2,
): Rung[] {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(source.width) || !Number.isInteger(source.height) || source.width < 1 || source.height < 1) {
    throw new RangeError(`invalid source size ${source.width}x${source.height}`);
  }
  if (!(source.fpsNum > 0 && source.fpsDen > 0)) throw new RangeError(`invalid frame rate ${source.fpsNum}/${source.fpsDen}`);
  const fps = source.fpsNum / source.fpsDen;
  const sizes: [number, number][] = [[evenDown(source.width * scale), evenDown(source.height * scale)]];
  const low: [number, number] = [evenDown(source.width), evenDown(source.height)];
  const top = sizes[0] as [number, number];
  for (const h of [...new Set(extraHeights)].sort((a, b) => b - a)) {
    if (!Number.isInteger(h) || h < 2) throw new RangeError(`extra rung height must be a whole number >= 2, got ${h}`);
    if (h >= top[1] || h <= low[1]) continue;
    sizes.push([evenDown(Math.round((top[0] * h) / top[1])), evenDown(h)]);
  }
  if (low[0] !== sizes[0]?.[0] || low[1] !== sizes[0]?.[1]) sizes.push(low);
  if (!(vbvSeconds > 0)) throw new RangeError(`vbvSeconds must be > 0, got ${vbvSeconds}`);
  // At very low frame rates the curve's floor gives every rung the same rate; a lower rung then
  // gets two thirds of the one above (down to FLOOR_BITRATE), so rungs stay distinct for players.
  const rates: number[] = [];
  for (const [width, height] of sizes) {
    const above = rates[rates.length - 1];
    const want = videoBitrateFor(width, height, fps);
    rates.push(above !== undefined && want >= above ? Math.max(FLOOR_BITRATE, Math.round((above * 2) / 3 / 10_000) * 10_000) : want);
  }
  return sizes.map(([width, height], i) => rung(width, height, rates[i] as number, fps, hasAudio, vbvSeconds));
}

function rung(width: number, height: number, videoBitrate: number, fps: number, hasAudio: boolean, vbvSeconds: number): Rung {
  const bufsize = Math.round(vbvSeconds * videoBitrate);
  const level = h264HighLevel(width, height, fps, videoBitrate, bufsize);
  const audioBitrate = hasAudio ? AUDIO_BITRATE : null;
  const total = videoBitrate + (audioBitrate ?? 0);
  return {
    name: `${height}p`,
    width,
    height,
    videoBitrate,
    bufsize,
    audioBitrate,
    level: level.name,
    codecs: hasAudio ? `${avc1HighCodec(level)},mp4a.40.2` : avc1HighCodec(level),
    // hlsenc.c: bandwidth = sum of stream bit_rates; bandwidth += bandwidth / 10 (integer math).
    bandwidth: total + Math.floor(total / 10),
  };
}

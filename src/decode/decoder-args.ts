import { ffmpegInput, isLiveUrl } from '../ffmpeg/ffmpeg-input.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';

/** DecoderArgsOptions are what the decoder's ffmpeg command line depends on. */
export interface DecoderArgsOptions {
  /**
   * A URL (rtmp://…, srt://…, http://…), a file path, or FLV_STDIN: a live publish written to
   * ffmpeg's stdin as FLV by the ingest (see PublishFeed).
   */
  input: string;
  hasAudio: boolean;
  /** Read the input at its native rate (-re), for files played as if live. */
  realtime?: boolean;
  /** Force this output frame rate instead of the source's. */
  fps?: { num: number; den: number };
  /** Network inputs: give up when no data arrives for this long. Default 10 000 ms. */
  rwTimeoutMs?: number;
  /**
   * Deliver frames of exactly this size (even dimensions): the source is scaled to fit, aspect
   * kept, and padded with black. For a stream whose ladder is already fixed (a publisher that
   * comes back at another resolution). Within one run ffmpeg itself scales a mid-stream size
   * change back to the size it started with.
   */
  size?: { width: number; height: number };
  /**
   * Start decoding this many seconds into the input (-ss before -i: an accurate seek, frames
   * before it are decoded and discarded, so frame 0 is the first frame at or after it and audio
   * starts at the same instant). Used to resume a file job at a segment boundary.
   */
  seekSeconds?: number;
}

/** The fd on which the decoder's ffmpeg writes PCM audio (a pipe the child is spawned with). */
export const DECODER_AUDIO_FD = 3;

/** FLV_STDIN as the input: the decoder reads a live publish as FLV on its stdin. */
export const FLV_STDIN = 'pipe:0';

/**
 * buildDecoderArgs builds the decoder's ffmpeg arguments: the first video stream as
 * yuv4mpegpipe (yuv420p, constant frame rate) on stdout and, with audio, the first audio stream
 * as s16le 48 kHz stereo on fd 3.
 *
 * A/V sync: both outputs start at the same instant of the source. ffmpeg shifts every stream by
 * the input's common start time; `-fps_mode cfr` then duplicates the first frame to fill any gap
 * before the first video frame (and drops/duplicates later to keep the rate constant), and
 * `aresample=async=1:first_pts=0` pads silence before the first audio sample and stretches or
 * pads later gaps. So frame n is at n/fps and sample k at k/48000 on one clock, which is how
 * the encoder timestamps them.
 */
export function buildDecoderArgs(o: DecoderArgsOptions): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'];
  if (o.input === FLV_STDIN) {
    // A publish from our ingest, from its first tag. Both sequence headers come first, so half a
    // second of stream time sees both FLV streams (probing waits for stream time, not for bytes).
    args.push('-analyzeduration', '500000', '-probesize', '1000000', '-f', 'flv');
  } else if (isLiveUrl(o.input)) {
    args.push(
      // Fail (and let the supervisor restart us) when the publisher stalls, instead of hanging.
      '-rw_timeout',
      String(Math.round((o.rwTimeoutMs ?? 10_000) * 1000)),
      // Start fast: on a fresh publish through our ingest the first frame came ~0.5-0.6 s after
      // connecting with 0.5 s of probing, ~0.95 s with 1 s. The ingest sends both sequence
      // headers as soon as we connect, so 0.5 s still sees both FLV streams.
      '-analyzeduration',
      '500000',
      '-probesize',
      '1000000',
    );
    if (/^rtmp/i.test(o.input)) args.push('-rtmp_live', 'live');
  }
  if (o.realtime) args.push('-re');
  if (o.seekSeconds !== undefined && o.seekSeconds !== 0) {
    if (!(Number.isFinite(o.seekSeconds) && o.seekSeconds > 0)) throw new RangeError(`seekSeconds must be >= 0, got ${o.seekSeconds}`);
    args.push('-ss', o.seekSeconds.toFixed(6));
  }
  args.push('-i', o.input === FLV_STDIN ? o.input : ffmpegInput(o.input));
  args.push('-map', '0:v:0', '-fps_mode', 'cfr');
  if (o.fps) args.push('-r', `${o.fps.num}/${o.fps.den}`);
  if (o.size) args.push('-vf', fitFilter(o.size.width, o.size.height));
  // flush_packets: hand each frame to the pipe at once instead of holding its tail in a 32 KiB buffer.
  args.push('-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', '-flush_packets', '1', 'pipe:1');
  if (o.hasAudio) {
    args.push(
      '-map',
      '0:a:0',
      '-af',
      `aresample=${PCM_FORMAT.sampleRate}:async=1:first_pts=0,aformat=sample_fmts=s16:channel_layouts=stereo`,
      '-c:a',
      PCM_FORMAT.ffmpegCodec,
      '-f',
      PCM_FORMAT.ffmpegFormat,
      '-flush_packets',
      '1',
      `pipe:${DECODER_AUDIO_FD}`,
    );
  }
  return args;
}

/**
 * fitFilter scales into W x H keeping the aspect ratio and pads the rest with black. ffmpeg's pad
 * rounds 4:2:0 sizes down to even, so an odd W or H is scaled to exactly (aspect not kept).
 */
export function fitFilter(width: number, height: number): string {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) {
    throw new RangeError(`a fixed decoder size must be whole pixels, at least 2x2, got ${width}x${height}`);
  }
  if (width % 2 || height % 2) return `scale=${width}:${height}:flags=bicubic,setsar=1`;
  return (
    `scale=${width}:${height}:force_original_aspect_ratio=decrease:flags=bicubic,` + `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1`
  );
}

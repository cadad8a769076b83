import path from 'node:path';
import type { VideoInfo } from '../decode/video-info.js';
import { PRIVATE_PLAYLIST } from '../hls/hls-names.js';
import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import { frameSegmentHlsTime, frameSegmentKeyframeArgs } from './frame-segments.js';
import type { Rung } from './ladder.js';
import { pushOutputArgs, type PushOutput } from './push-output.js';
import { videoCodecArgs, type VideoEncoder, type X264PresetChoice } from './video-codec.js';

/** File layout of the encoder's output directory. */
export const HLS_LAYOUT = {
  master: 'master.m3u8',
  /** Media playlist of a rung: `<rung name>/index.m3u8`. */
  media: 'index.m3u8',
  /** Segment files of a rung: `<rung name>/seg_00000.ts`, … */
  segmentPattern: 'seg_%05d.ts',
} as const;

/** The fd on which the encoder's ffmpeg reads PCM audio. */
export const ENCODER_AUDIO_FD = 3;

/** EncoderArgsOptions are what the encoder's ffmpeg command line depends on. */
export interface EncoderArgsOptions {
  outDir: string;
  /** Size and rate of the frames on stdin (the upscaled size). */
  input: VideoInfo;
  rungs: readonly Rung[];
  hasAudio: boolean;
  segmentSeconds: number;
  /**
   * Live: segments named `liveSegmentPattern` and a private playlist (hls-names PRIVATE_PLAYLIST)
   * for the HlsWriter, which writes the public playlists and deletes old segments; no master.
   * Else (file jobs): ffmpeg's own EVENT playlists keeping every segment, and its master.
   */
  live: boolean;
  /** Live: ffmpeg's segment file name in each rung's directory, e.g. `k3j4h5g6f7s2_%05d.ts`. */
  liveSegmentPattern?: string;
  /** Live: segments ffmpeg keeps in its private playlist. Default 6. */
  listSize?: number;
  /** ffmpeg's per-input packet queues (see the encoder for why audio's is large). */
  videoQueue: number;
  audioQueue: number;
  /** First segment number (continue numbering after a restart). Default 0. */
  startNumber?: number;
  /** H.264 encoder (see video-codec.ts). Default 'x264'. */
  videoEncoder?: VideoEncoder;
  /** x264's speed preset when videoEncoder is x264. Default 'veryfast'. */
  x264Preset?: X264PresetChoice;
  /**
   * Segments of exactly this many frames (keyframes at every multiple, see frame-segments.ts)
   * instead of segmentSeconds boundaries: file jobs, which resume at a segment boundary.
   */
  segmentFrames?: number;
  /** Shift every output timestamp by this many seconds (a resumed file job continues its timeline). */
  outputTsOffsetSeconds?: number;
  /** Also send the top rung and the audio to this RTMP(S) server (uprez restream --to). */
  push?: PushOutput;
}

/**
 * rungFilterGraph builds the -filter_complex that turns the one input video into one labelled
 * output per rung ([v0], [v1], …): `split`, then per rung nothing (same size), `crop` (the input
 * was odd and the rung is it rounded down to even: cut the last row/column rather than resample
 * everything) or `scale` (a smaller rung). Null when one rung takes the input as it is.
 */
export function rungFilterGraph(input: VideoInfo, rungs: readonly Rung[]): string | null {
  if (rungs.length === 0) throw new RangeError('a ladder needs at least one rung');
  const per = rungs.map((r) => {
    if (r.width === input.width && r.height === input.height) return null;
    const crop = input.width - r.width <= 1 && input.height - r.height <= 1 && r.width <= input.width && r.height <= input.height;
    return crop ? `crop=${r.width}:${r.height}:0:0` : `scale=${r.width}:${r.height}:flags=bicubic`;
  });
  if (rungs.length === 1) return per[0] ? `[0:v]${per[0]}[v0]` : null;
  const splitOut = per.map((f, i) => (f ? `[s${i}]` : `[v${i}]`)).join('');
  const chains = per.flatMap((f, i) => (f ? [`[s${i}]${f}[v${i}]`] : []));
  return [`[0:v]split=${rungs.length}${splitOut}`, ...chains].join(';');
}

/** varStreamMap builds -var_stream_map: rung i gets video i (and audio i) and its name. */
export function varStreamMap(rungs: readonly Rung[], hasAudio: boolean): string {
  return rungs.map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)).join(' ');
}

/**
 * encoderInputArgs are the encoder's global options and inputs: y4m video on stdin, s16le audio on
 * fd 3. Both inputs are self-describing (y4m header; PCM format given here), so ffmpeg must not
 * probe them: it opens inputs one after the other, and probing seconds of audio while nothing
 * reads the video pipe would stall the upstream decoder, which produces both.
 */
export function encoderInputArgs(o: Pick<EncoderArgsOptions, 'hasAudio' | 'videoQueue' | 'audioQueue'>): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', '-y'];
  const noProbe = ['-probesize', '32', '-analyzeduration', '0'];
  args.push('-thread_queue_size', String(o.videoQueue), ...noProbe, '-f', 'yuv4mpegpipe', '-i', 'pipe:0');
  if (o.hasAudio) {
    args.push(
      '-thread_queue_size',
      String(o.audioQueue),
      ...noProbe,
      '-f',
      PCM_FORMAT.ffmpegFormat,
      '-ar',
      String(PCM_FORMAT.sampleRate),
      '-ch_layout',
      'stereo',
      '-i',
      `pipe:${ENCODER_AUDIO_FD}`,
    );
  }
  return args;
}

/** gopFrames is the GOP for keyframes every segment: ceil(fps x segmentSeconds). */
export function gopFrames(input: VideoInfo, segmentSeconds: number): number {
  return Math.max(1, Math.ceil((input.fpsNum / input.fpsDen) * segmentSeconds));
}

/**
 * videoSettingsArgs are the H.264 options every rung shares: independent segments need a keyframe
 * at every segment boundary (the same frames in every rung, so rungs switch cleanly), scene-cut
 * keyframes off, closed GOPs, and zerolatency's no B-frames.
 */
export function videoSettingsArgs(
  o: Pick<EncoderArgsOptions, 'input' | 'rungs' | 'segmentSeconds' | 'segmentFrames' | 'videoEncoder' | 'x264Preset'>,
): string[] {
  const keyframes = o.segmentFrames
    ? frameSegmentKeyframeArgs(o.segmentFrames)
    : ['-g', String(gopFrames(o.input, o.segmentSeconds)), '-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`];
  return [
    ...videoCodecArgs(o.videoEncoder ?? 'x264', o.x264Preset, o.rungs, o.input.fpsNum / o.input.fpsDen),
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-flags',
    '+cgop',
    '-bf',
    '0',
    '-sc_threshold',
    '0',
    ...keyframes,
  ];
}

/**
 * buildEncoderArgs builds the encoder's ffmpeg arguments: y4m video on stdin (and s16le audio
 * on fd 3) -> one H.264 (libx264 or h264_nvenc) + AAC encode per rung -> ffmpeg's HLS muxer
 * writing MPEG-TS segments (see `live` for whose playlists). Each rung has an explicit bitrate:
 * without one ffmpeg 5.1 silently leaves that variant out of its master playlist.
 */
export function buildEncoderArgs(o: EncoderArgsOptions): string[] {
  if (o.outDir.includes('%')) throw new RangeError(`outDir must not contain "%" (ffmpeg reads it as a pattern): ${o.outDir}`);
  if (!(o.segmentSeconds > 0)) throw new RangeError(`segmentSeconds must be > 0, got ${o.segmentSeconds}`);
  if (o.live && !o.liveSegmentPattern)
    throw new RangeError('a live encoder needs liveSegmentPattern (the HlsWriter session names segments)');
  const args = encoderInputArgs(o);
  const graph = rungFilterGraph(o.input, o.rungs);
  if (graph) args.push('-filter_complex', graph);
  o.rungs.forEach((_, i) => args.push('-map', graph ? `[v${i}]` : '0:v'));
  if (o.hasAudio) o.rungs.forEach(() => args.push('-map', '1:a'));
  args.push(...videoSettingsArgs(o));
  o.rungs.forEach((r, i) => {
    args.push(
      `-b:v:${i}`,
      String(r.videoBitrate),
      `-maxrate:v:${i}`,
      String(r.videoBitrate),
      `-bufsize:v:${i}`,
      String(r.bufsize),
      `-level:v:${i}`,
      r.level,
    );
  });
  if (o.hasAudio) {
    args.push('-c:a', 'aac', '-ar', String(PCM_FORMAT.sampleRate), '-ac', String(PCM_FORMAT.channels));
    o.rungs.forEach((r, i) => args.push(`-b:a:${i}`, String(r.audioBitrate ?? 128_000)));
  }
  // Packets of encoders that start first (audio) wait here until every rung has its first frame.
  args.push('-max_muxing_queue_size', '4096');
  const flags = ['independent_segments', 'temp_file'];
  if (o.outputTsOffsetSeconds) args.push('-output_ts_offset', o.outputTsOffsetSeconds.toFixed(6));
  const hlsTime = o.segmentFrames ? frameSegmentHlsTime(o.segmentFrames, o.input) : String(o.segmentSeconds);
  args.push('-f', 'hls', '-hls_time', hlsTime, '-hls_segment_type', 'mpegts');
  if (o.live) {
    // The playlist ffmpeg writes is the HlsWriter's private source of finished segments; the
    // writer publishes the real ones, ends them and deletes old segments.
    flags.push('omit_endlist');
    args.push('-hls_list_size', String(o.listSize ?? 6));
  } else {
    args.push('-hls_list_size', '0', '-hls_playlist_type', 'event');
  }
  args.push('-hls_flags', flags.join('+'));
  if (o.startNumber) args.push('-start_number', String(o.startNumber));
  if (!o.live) args.push('-master_pl_name', HLS_LAYOUT.master);
  args.push(
    '-var_stream_map',
    varStreamMap(o.rungs, o.hasAudio),
    '-hls_segment_filename',
    path.join(o.outDir, '%v', o.live ? (o.liveSegmentPattern as string) : HLS_LAYOUT.segmentPattern),
    path.join(o.outDir, '%v', o.live ? PRIVATE_PLAYLIST : HLS_LAYOUT.media),
  );
  const top = o.rungs[0];
  if (o.push && top)
    args.push(...pushOutputArgs(o.push, o.input, top, o.hasAudio, o.segmentFrames ?? gopFrames(o.input, o.segmentSeconds)));
  return args;
}

import type { VideoInfo } from '../decode/video-info.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import type { HlsMode, HlsWriter } from '../hls/hls-writer.js';
import type { Logger } from '../log/logger.js';
import type { PushOutput } from './push-output.js';
import type { VideoEncoder, X264PresetChoice } from './video-codec.js';

/** EncoderOptions configure one encoder ffmpeg (one stream's HLS ladder). */
export interface EncoderOptions {
  binaries: FfmpegBinaries;
  outDir: string;
  /** The decoder's (source) size and rate; frames written are source x scale. */
  source: VideoInfo;
  scale: number;
  hasAudio: boolean;
  /** Segment length, seconds. Default 2. */
  segmentSeconds?: number;
  /**
   * Live (default): the stream run's HlsWriter writes the public playlists (see `hls`). Else (file
   * jobs): ffmpeg's own EVENT playlists keeping every segment, and its master.
   */
  live?: boolean;
  /**
   * Live: the stream run's writer, created once per run by its owner and passed to every encoder
   * of the run (numbering, DISCONTINUITY across restarts and reconnects). Without it the encoder
   * is a run of its own.
   */
  hls?: HlsWriter;
  /** Live, for a writer this encoder creates itself (no `hls`): default classic. */
  hlsMode?: HlsMode;
  log: Logger;
  /** Audio buffered in node before writeAudio returns false. Default 5 s. */
  audioBufferSeconds?: number;
  /** Frames buffered in node before writeFrame returns false. Default 4. */
  videoBufferFrames?: number;
  /** File jobs: first segment number, to continue numbering after a restart. Default 0. */
  startNumber?: number;
  /** Live window, in segments (default 6). */
  listSize?: number;
  /** close(): how long ffmpeg may take to finish after EOF before it is killed. Default 2000 ms. */
  closeGraceMs?: number;
  /** Segments of exactly this many frames (file jobs; see EncoderArgsOptions.segmentFrames). */
  segmentFrames?: number;
  /** Shift every output timestamp by this many seconds (a resumed file job). */
  outputTsOffsetSeconds?: number;
  /** Also push the top rung and the audio to an RTMP(S) server (uprez restream --to). */
  push?: PushOutput;
  /** Extra rung heights between the source and the upscaled size, e.g. [2160] (see buildLadder). */
  extraRungHeights?: readonly number[];
  /** H.264 encoder: x264 (default) or nvenc. */
  videoEncoder?: VideoEncoder;
  /** x264's speed preset (default veryfast). */
  x264Preset?: X264PresetChoice;
}

import { PCM_FORMAT } from '../ffmpeg/pcm-format.js';
import {
  ENCODER_AUDIO_FD,
  encoderInputArgs,
  gopFrames,
  rungFilterGraph,
  videoSettingsArgs,
  type EncoderArgsOptions,
} from './encoder-args.js';
import { pushOutputArgs } from './push-output.js';

/** LlArgsOptions are what the LL-HLS encoder's command line depends on (a live EncoderArgsOptions). */
export type LlArgsOptions = Omit<
  EncoderArgsOptions,
  'live' | 'liveSegmentPattern' | 'listSize' | 'startNumber' | 'segmentFrames' | 'outputTsOffsetSeconds' | 'outDir'
>;

/** llOutputFds are the fds on which the encoder writes each rung's fMP4: after the audio input (fd 3), if any. */
export function llOutputFds(rungs: number, hasAudio: boolean): number[] {
  const first = hasAudio ? ENCODER_AUDIO_FD + 1 : ENCODER_AUDIO_FD;
  return Array.from({ length: rungs }, (_, i) => first + i);
}

/**
 * buildLlEncoderArgs builds the LL-HLS encoder's ffmpeg arguments: the same inputs, filter graph
 * and H.264/AAC settings as the classic ladder, but one output per rung, fragmented MP4 (CMAF:
 * empty moov, a moof + mdat per packet with moof-relative offsets) on its own pipe (llOutputFds).
 * Fragments of a single packet leave ffmpeg as soon as that packet is encoded; the packager
 * (PartCutter) groups them into parts of whole frames.
 */
export function buildLlEncoderArgs(o: LlArgsOptions): string[] {
  if (!(o.segmentSeconds > 0)) throw new RangeError(`segmentSeconds must be > 0, got ${o.segmentSeconds}`);
  const args = encoderInputArgs(o);
  const graph = rungFilterGraph(o.input, o.rungs);
  if (graph) args.push('-filter_complex', graph);
  const fds = llOutputFds(o.rungs.length, o.hasAudio);
  o.rungs.forEach((r, i) => {
    args.push('-map', graph ? `[v${i}]` : '0:v');
    if (o.hasAudio) args.push('-map', '1:a');
    args.push(
      ...videoSettingsArgs(o),
      '-b:v',
      String(r.videoBitrate),
      '-maxrate:v',
      String(r.videoBitrate),
      '-bufsize:v',
      String(r.bufsize),
      '-level:v',
      r.level,
    );
    if (o.hasAudio)
      args.push(
        '-c:a',
        'aac',
        '-ar',
        String(PCM_FORMAT.sampleRate),
        '-ac',
        String(PCM_FORMAT.channels),
        '-b:a',
        String(r.audioBitrate ?? 128_000),
      );
    args.push(
      '-max_muxing_queue_size',
      '4096',
      '-f',
      'mp4',
      '-movflags',
      '+frag_every_frame+empty_moov+default_base_moof',
      `pipe:${fds[i] as number}`,
    );
  });
  const top = o.rungs[0];
  if (o.push && top) args.push(...pushOutputArgs(o.push, o.input, top, o.hasAudio, gopFrames(o.input, o.segmentSeconds)));
  return args;
}

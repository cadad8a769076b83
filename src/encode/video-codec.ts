/** VIDEO_ENCODERS are the H.264 encoders uprez drives: x264 in software, NVENC on an NVIDIA GPU. */
export const VIDEO_ENCODERS = ['x264', 'nvenc'] as const;

/** VideoEncoder names one of VIDEO_ENCODERS. */
export type VideoEncoder = (typeof VIDEO_ENCODERS)[number];

/**
 * X264_PRESETS are the x264 speed presets an operator may pick, fastest first. On 2 cores ffmpeg
 * alone encodes a 2560x1440 + 1280x720 ladder at 22 fps with the default, veryfast; at 30 with
 * superfast and 45 with ultrafast, at more bits for the same picture (BENCHMARKS.md).
 */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;

/** X264Preset names one of X264_PRESETS. */
export type X264Preset = (typeof X264_PRESETS)[number];

/** DEFAULT_X264_PRESET is what every ladder uses unless configured (serve's --x264-preset default too). */
export const DEFAULT_X264_PRESET: X264Preset = 'veryfast';

/**
 * videoCodecArgs selects the H.264 encoder and its low-latency settings (x264 at `x264Preset`). Both encode without
 * lookahead, so a frame leaves as soon as it is in; NVENC is also told to make forced keyframes
 * IDR (every segment must start decodable) and not to add keyframes of its own at scene cuts.
 * The settings both share (profile, no B-frames, GOP, forced keyframes, per-rung bitrate, VBV and
 * level) are added by buildEncoderArgs.
 */
export function videoCodecArgs(encoder: VideoEncoder, x264Preset: X264Preset = DEFAULT_X264_PRESET): string[] {
  switch (encoder) {
    case 'x264':
      return ['-c:v', 'libx264', '-preset', x264Preset, '-tune', 'zerolatency'];
    case 'nvenc':
      // p4 and tune ll need NVENC SDK 10+ headers (ffmpeg 4.4+; Debian 12, Ubuntu 24.04).
      return [
        '-c:v', 'h264_nvenc', '-preset', 'p4', '-tune', 'll', '-rc', 'cbr', '-zerolatency', '1',
        '-rc-lookahead', '0', '-no-scenecut', '1', '-forced-idr', '1',
      ];
  }
}

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

/** DEFAULT_X264_PRESET is what file ladders and lower live rungs use unless configured (serve's default is 'auto'). */
export const DEFAULT_X264_PRESET: X264Preset = 'veryfast';

/**
 * X264PresetChoice is one preset for every rung, one per rung (top rung first; rungs past the list
 * take its last), or 'auto': by the top rung's pixel rate (autoX264Presets). The top rung holds
 * most of the pixels, so a faster preset there saves most of the CPU (BENCHMARKS.md, "x264 ladder").
 */
export type X264PresetChoice = X264Preset | readonly X264Preset[] | 'auto';

/** RungSize is what 'auto' needs of a rung. */
export interface RungSize {
  readonly width: number;
  readonly height: number;
}

/** The top-rung pixel rate (pixels per second) up to which 'auto' keeps veryfast; above it: ultrafast. */
export const AUTO_VERYFAST_MAX_PIXEL_RATE = 1280 * 720 * 30;

/**
 * autoX264Presets: the top rung by its pixel rate, every lower rung veryfast. Measured on 2 cores
 * (BENCHMARKS.md, "x264 ladder"): a 2560x1440 + 1280x720 ladder costs x264 60.5 ms of CPU a frame
 * with veryfast on both (1.8 cores at 30 fps: it cannot keep up beside decoding and the upscale),
 * 35.0 with ultrafast on top (1.05 cores), for +4.7 % top-rung bytes and -1.0 dB of top-rung PSNR
 * against the frames it encodes (61 dB: far below what upscaling itself differs from the truth);
 * superfast on top costs more CPU and more bits than ultrafast for no better picture. A 1280x720 +
 * 640x360 ladder at veryfast takes 0.45 cores and stays.
 */
export function autoX264Presets(rungs: readonly RungSize[], fps: number): X264Preset[] {
  const top = rungs[0];
  if (!top) return [DEFAULT_X264_PRESET];
  const rate = top.width * top.height * (fps > 0 ? fps : 30);
  const first: X264Preset = rate <= AUTO_VERYFAST_MAX_PIXEL_RATE ? 'veryfast' : 'ultrafast';
  return rungs.map((_, i) => (i === 0 ? first : DEFAULT_X264_PRESET));
}

/** formatX264Presets writes a choice the way --x264-preset takes it ("veryfast", "superfast,veryfast", "auto"). */
export function formatX264Presets(choice: X264PresetChoice): string {
  return typeof choice === 'string' ? choice : choice.join(',');
}

/** parseX264Presets reads --x264-preset's text ("auto", "veryfast", "ultrafast,veryfast"; at most 8); null when it is not one. */
export function parseX264Presets(raw: string): X264PresetChoice | null {
  const text = raw.trim();
  if (text === 'auto') return 'auto';
  const list = text.split(',').map((p) => X264_PRESETS.find((x) => x === p.trim()));
  if (list.length > 8 || list.some((p) => p === undefined)) return null;
  return list.length === 1 ? (list[0] as X264Preset) : Object.freeze(list as X264Preset[]);
}

/** rungPresets resolves a choice for a ladder (top rung first) at `fps`. */
export function rungPresets(choice: X264PresetChoice, rungs: readonly RungSize[], fps: number): X264Preset[] {
  if (choice === 'auto') return autoX264Presets(rungs, fps);
  const n = Math.max(1, rungs.length);
  if (typeof choice === 'string') return new Array<X264Preset>(n).fill(choice);
  return Array.from({ length: n }, (_, i) => choice[Math.min(i, choice.length - 1)] ?? DEFAULT_X264_PRESET);
}

/**
 * videoCodecArgs selects the H.264 encoder and its low-latency settings (x264 at `x264Preset`, per rung
 * when it is a list or 'auto'; `rungs` are the video outputs, top first, at `fps`). Both encode without
 * lookahead, so a frame leaves as soon as it is in; NVENC is also told to make forced keyframes
 * IDR (every segment must start decodable) and not to add keyframes of its own at scene cuts.
 * The settings both share (profile, no B-frames, GOP, forced keyframes, per-rung bitrate, VBV and
 * level) are added by buildEncoderArgs.
 */
export function videoCodecArgs(
  encoder: VideoEncoder,
  x264Preset: X264PresetChoice = DEFAULT_X264_PRESET,
  rungs: readonly RungSize[] = [],
  fps = 30,
): string[] {
  switch (encoder) {
    case 'x264': {
      const presets = rungPresets(x264Preset, rungs, fps);
      // One preset for all, or -preset:v:N per output stream (a codec option with a stream specifier).
      const preset = presets.every((p) => p === presets[0])
        ? ['-preset', presets[0] as X264Preset]
        : presets.flatMap((p, i) => [`-preset:v:${i}`, p]);
      return ['-c:v', 'libx264', ...preset, '-tune', 'zerolatency'];
    }
    case 'nvenc':
      // p4 and tune ll need NVENC SDK 10+ headers (ffmpeg 4.4+; Debian 12, Ubuntu 24.04).
      return [
        '-c:v',
        'h264_nvenc',
        '-preset',
        'p4',
        '-tune',
        'll',
        '-rc',
        'cbr',
        '-zerolatency',
        '1',
        '-rc-lookahead',
        '0',
        '-no-scenecut',
        '1',
        '-forced-idr',
        '1',
      ];
  }
}

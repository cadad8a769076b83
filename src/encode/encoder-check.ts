import { execFile } from 'node:child_process';
import { UprezError, errorMessage } from '../errors.js';
import { videoCodecArgs, type VideoEncoder } from './video-codec.js';

/** What each encoder needs, said when it cannot be opened. */
const NEEDS: Readonly<Record<VideoEncoder, string>> = {
  x264: 'an ffmpeg built with libx264 (Debian/Ubuntu ffmpeg is)',
  nvenc:
    'an NVIDIA GPU with NVENC (data-centre A100/H100/H200 have none; L4, L40S, A10, T4 do), its driver, and in a ' +
    'container NVIDIA_DRIVER_CAPABILITIES including "video"; or use --encoder x264',
};

/** encoderCheckArgs builds a two-frame test encode with the encoder's own settings, to nowhere (pure). */
export function encoderCheckArgs(encoder: VideoEncoder): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=black:s=256x144:r=25',
    '-frames:v',
    '2',
    ...videoCodecArgs(encoder),
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    '500k',
    '-f',
    'null',
    '-',
  ];
}

/**
 * checkVideoEncoder opens `encoder` once with a two-frame test encode, so `uprez serve` stops at
 * start with one clear line (ENCODER_UNAVAILABLE) instead of failing every stream's encoder later.
 * Resolves when ffmpeg encodes; rejects with ffmpeg's own last error line and what is needed.
 */
export function checkVideoEncoder(ffmpeg: string, encoder: VideoEncoder, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, encoderCheckArgs(encoder), { timeout: timeoutMs, windowsHide: true }, (err, _stdout, stderr) => {
      if (!err) {
        resolve();
        return;
      }
      // "[h264_nvenc @ 0x55…] Cannot load libcuda.so.1": the address is noise.
      const lines = String(stderr)
        .split('\n')
        .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())
        .filter(Boolean);
      // The first line names the cause ("Cannot load libcuda.so.1"); the later ones are generic.
      const said = lines[0] ?? errorMessage(err);
      reject(
        new UprezError(
          'ENCODER_UNAVAILABLE',
          `--encoder ${encoder} (UPREZ_ENCODER): ffmpeg cannot encode with it: ${said}. It needs ${NEEDS[encoder]}.`,
          { cause: err },
        ),
      );
    });
  });
}

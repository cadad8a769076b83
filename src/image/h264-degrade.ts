import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { rgbToMatlabYcbcr } from './matlab-ycbcr.js';
import type { RgbImage } from './rgb-image.js';
import { cropPlane, packYuv420p } from './yuv420p-pack.js';

/**
 * H.264 degradation of an LR picture, the way a live stream degrades it: BT.601 studio-range
 * yuv420p (the colour space of rgb2ycbcr, so CRF 0 gives back the clean Y), one intra frame through
 * libx264 at a CRF with the default preset (medium), decoded back; the decoded Y plane is what the
 * model would receive from the stream decoder.
 */

/** h264EncodeArgs builds the ffmpeg arguments that encode one raw yuv420p frame with libx264 (pure). */
export function h264EncodeArgs(o: { input: string; output: string; width: number; height: number; crf: number }): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${o.width}x${o.height}`, '-i', o.input,
    '-frames:v', '1', '-c:v', 'libx264', '-preset', 'medium', '-crf', String(o.crf), '-pix_fmt', 'yuv420p',
    '-f', 'h264', o.output,
  ];
}

/** h264DecodeArgs builds the ffmpeg arguments that decode an H.264 stream to raw yuv420p (pure). */
export function h264DecodeArgs(o: { input: string; output: string }): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'h264', '-i', o.input, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', o.output];
}

function runFfmpeg(ffmpeg: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 4000) stderr += s;
    });
    child.on('error', (err) => reject(new UprezError('FFMPEG_SPAWN', `could not run ${ffmpeg}: ${err.message}`, 'ffmpeg', true, { cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new UprezError('FFMPEG_FAILED', `ffmpeg exited with ${signal ?? `code ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, 'ffmpeg'));
    });
  });
}

/** H264DegradeOptions: the ffmpeg binary and where temp files go (default: the OS temp dir). */
export interface H264DegradeOptions {
  readonly ffmpeg: string;
  readonly crf: number;
  readonly tmpDir?: string;
}

/** degradeLumaH264 encodes an RGB picture with libx264 at `crf` and returns the decoded Y plane (studio range, same size). */
export async function degradeLumaH264(img: RgbImage, opts: H264DegradeOptions): Promise<Uint8Array> {
  const frame = packYuv420p(rgbToMatlabYcbcr(img));
  const dir = await mkdtemp(path.join(opts.tmpDir ?? tmpdir(), 'uprez-degrade-'));
  try {
    const raw = path.join(dir, 'lr.yuv');
    const coded = path.join(dir, 'lr.264');
    const decoded = path.join(dir, 'decoded.yuv');
    await writeFile(raw, frame.data);
    await runFfmpeg(opts.ffmpeg, h264EncodeArgs({ input: raw, output: coded, width: frame.width, height: frame.height, crf: opts.crf }));
    await runFfmpeg(opts.ffmpeg, h264DecodeArgs({ input: coded, output: decoded }));
    const out = await readFile(decoded);
    if (out.length !== frame.data.length) {
      throw new UprezError('FFMPEG_FAILED', `decoded ${out.length} bytes, expected one ${frame.width}x${frame.height} yuv420p frame`, 'ffmpeg');
    }
    return cropPlane(new Uint8Array(out.buffer, out.byteOffset, frame.width * frame.height), frame.width, img.width, img.height);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

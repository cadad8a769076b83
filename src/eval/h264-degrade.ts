import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { silentLogger } from '../log/logger.js';
import { cropPlane, packYuv420p } from '../image/yuv420p-pack.js';

/**
 * H.264 degradation of an LR luma plane, as models/train/protocol.py degrades training inputs: the
 * Y plane (studio range, as a stream carries it) becomes one yuv420p frame with flat chroma (128),
 * sides padded to even by edge repetition, goes through libx264 at a CRF with the medium preset as
 * one intra frame, and is decoded back and cropped; no colour conversion anywhere, so CRF 0
 * (lossless) gives back the input exactly.
 */

/** h264EncodeArgs builds the ffmpeg arguments that encode one raw yuv420p frame with libx264 (pure). */
export function h264EncodeArgs(o: { input: string; output: string; width: number; height: number; crf: number }): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-s',
    `${o.width}x${o.height}`,
    '-i',
    o.input,
    '-frames:v',
    '1',
    '-c:v',
    'libx264',
    '-preset',
    'medium',
    '-crf',
    String(o.crf),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'h264',
    o.output,
  ];
}

/** h264DecodeArgs builds the ffmpeg arguments that decode an H.264 stream to raw yuv420p (pure). */
export function h264DecodeArgs(o: { input: string; output: string }): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'h264',
    '-i',
    o.input,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    o.output,
  ];
}

/** H264DegradeOptions: the ffmpeg binary and where temp files go (default: the OS temp dir). */
export interface H264DegradeOptions {
  readonly ffmpeg: string;
  readonly crf: number;
  readonly tmpDir?: string;
}

/** degradeLumaH264 round-trips a width x height Y plane through libx264 at `crf` and returns the decoded Y plane. */
export async function degradeLumaH264(y: Uint8Array, width: number, height: number, opts: H264DegradeOptions): Promise<Uint8Array> {
  if (y.length !== width * height) throw new RangeError(`plane has ${y.length} samples, ${width}x${height} needs ${width * height}`);
  const grey = new Uint8Array(width * height).fill(128);
  const frame = packYuv420p({ width, height, planes: [y, grey, grey] });
  const dir = await mkdtemp(path.join(opts.tmpDir ?? tmpdir(), 'uprez-degrade-'));
  try {
    const raw = path.join(dir, 'lr.yuv');
    const coded = path.join(dir, 'lr.264');
    const decoded = path.join(dir, 'decoded.yuv');
    await writeFile(raw, frame.data);
    await runFfmpeg({
      bin: opts.ffmpeg,
      args: h264EncodeArgs({ input: raw, output: coded, width: frame.width, height: frame.height, crf: opts.crf }),
      name: 'h264 encode',
      log: silentLogger,
    });
    await runFfmpeg({ bin: opts.ffmpeg, args: h264DecodeArgs({ input: coded, output: decoded }), name: 'h264 decode', log: silentLogger });
    const out = await readFile(decoded);
    if (out.length !== frame.data.length) {
      throw new UprezError('FFMPEG_FAILED', `decoded ${out.length} bytes, expected one ${frame.width}x${frame.height} yuv420p frame`);
    }
    return cropPlane(new Uint8Array(out.buffer, out.byteOffset, frame.width * frame.height), frame.width, width, height);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

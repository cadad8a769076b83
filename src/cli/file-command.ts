import path from 'node:path';
import { UprezError } from '../errors.js';
import { resolveFfmpegBinaries } from '../ffmpeg/binaries.js';
import { createLogger, type LogLevel, type Logger } from '../log/logger.js';
import { parseDenoiseFlag } from '../upscale/denoise-pick.js';
import { describeFileDenoise, planFileDenoise } from '../vod/file-denoise-plan.js';
import { CLI_INPUT_POLICY, inputLocation, resolveFileInput } from '../vod/file-input.js';
import { transcodeFile, type FileTranscodeResult } from '../vod/file-transcode.js';
import { openUpscalePlan, type X4Strategy } from '../vod/upscale-plan.js';
import type { CliIo, Command } from './cli-io.js';
import { parseProviderFlag, parseScaleFlag, stringFlag } from './shared-flags.js';
import { parseFlags } from './parse-flags.js';
import { createProgress } from './progress.js';

/** FILE_USAGE is the help text of `uprez file`. */
export const FILE_USAGE = [
  'Usage: uprez file IN --out DIR [--scale 2|4] [--model NAME|PATH|bicubic] [--denoise auto|0|1|2|3] [--mp4] [--json]',
  '                     [--provider auto|cpu|cuda] [--x4 auto|model|2x2] [--segment-seconds 2]',
  '',
  'Upscales a video file (or an http(s)/rtmp(s) URL) in quality mode (every frame through the model)',
  'into an HLS VOD ladder in DIR: master.m3u8, <rung>/index.m3u8 + segments (source size, upscaled',
  'size, and 2160p when the output is taller), text subtitles as WebVTT renditions, and with --mp4',
  'DIR/upscaled.mp4 of the top rung (subtitles as mov_text). Audio is kept (the first audio stream).',
  'An interrupted job resumes from its last finished segment when rerun with the same arguments.',
  '  --scale     2 (default) or 4',
  '  --model     model NAME in models/, a path to an .onnx file, or bicubic; default: for the scale',
  "  --denoise   compression the input carries, like waifu2x's noise level: 0 none (default: the model",
  '              as chosen), 1 light (H.264 CRF ~21-25), 2 medium (CRF ~26-30), 3 heavy (CRF 31+); a level',
  "              runs the model family's member trained for it (uprez-x2-fast-dN when the model has none;",
  "              at x4 two x2 passes of it); auto: from the H.264 stream's bits per pixel (ffprobe). The",
  '              choice is printed on stderr. See README "Denoise levels"',
  '  --x4        x4 with a x4 model when there is one, else a x2 model twice (auto, default);',
  '              model: a x4 model or fail; 2x2: always two x2 passes',
  '  --json      progress as JSON lines on stderr and the result as one JSON object on stdout',
  '',
].join('\n');

const SPEC = {
  out: { type: 'string' },
  scale: { type: 'string' },
  model: { type: 'string' },
  denoise: { type: 'string' },
  provider: { type: 'string' },
  x4: { type: 'string' },
  'segment-seconds': { type: 'string' },
  mp4: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function parseX4(v: unknown): X4Strategy {
  if (v === undefined) return 'auto';
  if (v !== 'auto' && v !== 'model' && v !== '2x2')
    throw new UprezError('CLI_BAD_FLAG', `--x4 must be auto, model or 2x2, got "${String(v)}"`);
  return v;
}

function parseSegmentSeconds(v: unknown): number {
  if (v === undefined) return 2;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 30)
    throw new UprezError('CLI_BAD_FLAG', `--segment-seconds must be a whole number from 1 to 30, got "${String(v)}"`);
  return n;
}

/** commandLogger writes warnings (or UPREZ_LOG_LEVEL) to stderr, one line each. */
export function commandLogger(io: CliIo, command: string): Logger {
  const env = io.env['UPREZ_LOG_LEVEL'];
  const level: LogLevel = env === 'debug' || env === 'info' || env === 'warn' || env === 'error' ? env : 'warn';
  return createLogger({ level, sink: (line) => io.stderr.write(line + '\n'), fields: { command } });
}

/** summaryLine is the human one-line report of a finished file job. */
export function summaryLine(r: FileTranscodeResult): string {
  const resumed = r.resumedAtSegment > 0 ? `, resumed at segment ${r.resumedAtSegment}` : '';
  const fps = r.seconds > 0 ? (r.framesThisRun / r.seconds).toFixed(1) : '0';
  return (
    `${r.totalFrames} frames ${r.source.width}x${r.source.height} -> ${r.output.width}x${r.output.height} with ${r.upscaler}` +
    ` in ${r.seconds.toFixed(1)} s (${fps} fps${resumed}); ${r.segments} segments, rungs ${r.rungs.join(', ')}; ${r.master}` +
    (r.mp4 ? `; ${r.mp4}` : '') +
    (r.subtitles.length ? `; ${r.subtitles.length} subtitle track(s)` : '')
  );
}

/**
 * runFileCommand is `uprez file IN --out DIR`: one quality-mode file job with progress (frames,
 * fps, ETA). Ctrl-C stops it keeping what is finished; rerunning the same command resumes.
 */
export const runFileCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(FILE_USAGE);
    return 0;
  }
  const out = stringFlag(values['out']);
  if (!out) throw new UprezError('CLI_MISSING_FLAG', '--out DIR is required');
  if (positionals.length !== 1)
    throw new UprezError('CLI_BAD_ARGS', `give exactly one input (uprez file IN --out DIR), got ${positionals.length}`);
  const scale = parseScaleFlag(values['scale'], 2) as 2 | 4;
  const json = values['json'] === true;
  // Every flag is checked before anything touches the file system or loads a model.
  const provider = parseProviderFlag(values['provider']);
  const x4 = parseX4(values['x4']);
  const segmentSeconds = parseSegmentSeconds(values['segment-seconds']);
  const log = commandLogger(io, 'file');
  const binaries = resolveFfmpegBinaries(io.env);
  const input = await resolveFileInput(positionals[0] as string, CLI_INPUT_POLICY);
  const denoise = parseDenoiseFlag(values['denoise']);
  let model = stringFlag(values['model']);
  let x4Plan = x4;
  if (denoise !== undefined) {
    const d = await planFileDenoise({ denoise, ffprobe: binaries.ffprobe, input: inputLocation(input), model, scale, x4 });
    model = d.model;
    x4Plan = d.x4;
    io.stderr.write((json ? JSON.stringify({ denoise: d }) : `uprez file: ${describeFileDenoise(d)}`) + '\n');
  }
  const plan = await openUpscalePlan({ model, scale, provider, x4: x4Plan, log });
  const abort = new AbortController();
  const onSignal = (): void => {
    io.stderr.write('uprez file: stopping; finished segments are kept, rerun the same command to resume\n');
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let progress: ReturnType<typeof createProgress> | null = null;
  try {
    const result = await transcodeFile({
      binaries,
      input,
      outDir: path.resolve(out),
      upscale: plan,
      mp4: values['mp4'] === true,
      segmentSeconds,
      log,
      signal: abort.signal,
      onProgress: (p) => {
        progress ??= createProgress({
          label: p.resumedAtFrame > 0 ? `upscaling (resumed at frame ${p.resumedAtFrame})` : 'upscaling',
          ...(p.totalFrames !== null ? { total: Math.max(0, p.totalFrames - p.resumedAtFrame) } : {}),
          unit: 'frames',
          json,
          out: io.stderr as NodeJS.WritableStream,
        });
        progress.update(p.framesDone - p.resumedAtFrame, { segments: p.segmentsDone });
      },
    });
    const summary = summaryLine(result);
    (progress as ReturnType<typeof createProgress> | null)?.finish();
    io.stdout.write(json ? JSON.stringify(result) + '\n' : summary + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UprezError && err.code === 'JOB_CANCELLED') return 130;
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await plan.close();
  }
};

/** What every viewer-benchmark run shares: binaries, the server's CLI and settings, the load log. */
import { loadavg } from 'node:os';
import { formatX264Presets, type X264PresetChoice } from '../encode/video-codec.js';
import type { Logger } from '../log/logger.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { countFramesArgs, parseProbe, probeArgs, type VideoProbe } from './viewer-media.js';
import type { ProviderChoice } from '../upscale/model-runner.js';

/** SCALE is the upscale factor the benchmark measures (the live models are x2). */
export const SCALE = 2;

/** ViewerServer: the `uprez serve` settings of the model side (the bicubic side differs only by --model none). */
export interface ViewerServer {
  /** The built CLI's main.js. */
  readonly cli: string;
  /** Working directory of the server (models/ is found from it when the CLI is outside the package). */
  readonly cwd?: string;
  /** --model; undefined: the server's default; 'none': both sides bicubic (the harness's own check). */
  readonly model: string | undefined;
  readonly fallbackModel?: string | undefined;
  readonly provider: ProviderChoice;
  readonly workers: number;
  readonly hysteresis: boolean;
  readonly x264Preset: X264PresetChoice;
}

/** ViewerContext is passed to every step. */
export interface ViewerContext {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  readonly server: ViewerServer;
  readonly log: Logger;
  /** One line per finished run (stderr in the CLI). */
  readonly progress: (line: string) => void;
  /** 1-minute load averages seen at the start of each live run. */
  readonly loads: number[];
}

/** Side is which upscale the server runs. */
export type Side = 'model' | 'bicubic';

/** sideOrder interleaves the sides: the model first on even repeats, bicubic first on odd ones. */
export function sideOrder(repeat: number): readonly Side[] {
  return repeat % 2 === 0 ? ['model', 'bicubic'] : ['bicubic', 'model'];
}

/** serveFlags are the serve flags for one side. */
export function serveFlags(s: ViewerServer, side: Side): string[] {
  const model = side === 'bicubic' ? 'none' : s.model;
  return [
    '--scale',
    String(SCALE),
    ...(model !== undefined ? ['--model', model] : []),
    ...(s.fallbackModel !== undefined && model !== 'none' ? ['--fallback-model', s.fallbackModel] : []),
    '--provider',
    s.provider,
    '--inference-workers',
    String(s.workers),
    '--hysteresis',
    s.hysteresis ? 'on' : 'off',
    '--x264-preset',
    formatX264Presets(s.x264Preset),
  ];
}

/** noteLoad records the current 1-minute load average and returns it. */
export function noteLoad(c: ViewerContext): number {
  const load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  c.loads.push(load);
  return load;
}

/** probeVideo asks ffprobe for a file's size and frame rate. */
export async function probeVideo(c: ViewerContext, file: string): Promise<VideoProbe> {
  const r = await runFfmpeg({ bin: c.ffprobe, args: probeArgs(file), name: 'ffprobe', log: c.log, timeoutMs: null, collectStdout: true });
  return parseProbe(r.stdout.toString('utf8'));
}

/** countFrames asks ffprobe how many video frames (packets) a file holds. */
export async function countFrames(c: ViewerContext, file: string): Promise<number> {
  const r = await runFfmpeg({
    bin: c.ffprobe,
    args: countFramesArgs(file),
    name: 'ffprobe',
    log: c.log,
    timeoutMs: null,
    collectStdout: true,
  });
  const n = Number(r.stdout.toString('utf8').trim().split(/[\s,]/)[0]);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`ffprobe could not count the frames of ${file}`);
  return n;
}

/**
 * The x264 ladder benchmark's ffmpeg command lines: the live ladder the server builds for an input
 * at x2, the preset combinations compared, the upscaled source frames (a real clip or a generated
 * pattern), the ladder encode with the server's own video settings, and the top rung's PSNR. Pure.
 */
import type { VideoInfo } from '../decode/video-info.js';
import { rungFilterGraph, videoSettingsArgs } from '../encode/encoder-args.js';
import { buildLadder, type Rung } from '../encode/ladder.js';
import { rungPresets, type X264Preset } from '../encode/video-codec.js';

/** The frame rate the ladder is built and judged at. */
export const X264_BENCH_FPS = 30;
/** The live encoder's VBV length in seconds (encoder.ts: 1 s for live ladders). */
const LIVE_VBV_SECONDS = 1;
/** The server's default segment length (serve-config segmentSeconds), which sets the GOP. */
const SEGMENT_SECONDS = 2;

/** PresetCombo is one preset per rung: the top rung's and the lower rung's. */
export interface PresetCombo {
  readonly top: X264Preset;
  readonly lower: X264Preset;
}

/** BASELINE_COMBO is what the others are compared with: veryfast on both rungs (the file-ladder default). */
export const BASELINE_COMBO: PresetCombo = { top: 'veryfast', lower: 'veryfast' };

/** X264_COMBOS are the fixed combinations measured, baseline first (auto is added when it differs). */
export const X264_COMBOS: readonly PresetCombo[] = [
  BASELINE_COMBO,
  { top: 'superfast', lower: 'veryfast' },
  { top: 'ultrafast', lower: 'veryfast' },
  { top: 'ultrafast', lower: 'ultrafast' },
];

/** comboLabel writes a combination as --x264-preset takes it ("ultrafast,veryfast"). */
export function comboLabel(c: PresetCombo): string {
  return `${c.top},${c.lower}`;
}

/** benchInput is the upscaled frame stream of a width x height input at x2 (what the encoder reads). */
export function benchInput(width: number, height: number): VideoInfo {
  return { width: width * 2, height: height * 2, fpsNum: X264_BENCH_FPS, fpsDen: 1 };
}

/** liveLadder is the ladder the live server builds for a width x height 30 fps input at x2, without audio. */
export function liveLadder(width: number, height: number): Rung[] {
  return buildLadder({ width, height, fpsNum: X264_BENCH_FPS, fpsDen: 1 }, 2, false, [], LIVE_VBV_SECONDS);
}

/** autoCombo is what serve's `--x264-preset auto` resolves to for this ladder. */
export function autoCombo(rungs: readonly Rung[]): PresetCombo {
  const p = rungPresets('auto', rungs, X264_BENCH_FPS);
  return { top: p[0] ?? 'veryfast', lower: p[1] ?? p[0] ?? 'veryfast' };
}

/** combosFor is X264_COMBOS plus auto's combination when it is not one of them; `autoIndex` marks auto's row. */
export function combosFor(rungs: readonly Rung[]): { combos: PresetCombo[]; autoIndex: number } {
  const auto = autoCombo(rungs);
  const combos = [...X264_COMBOS];
  let autoIndex = combos.findIndex((c) => c.top === auto.top && c.lower === auto.lower);
  if (autoIndex < 0) autoIndex = combos.push(auto) - 1;
  return { combos, autoIndex };
}

/**
 * sourceY4mArgs writes `frames` upscaled frames (the input size scaled x2, bicubic: the frames the
 * encoder would get from the fallback path) as y4m to `out`: from `clip` scaled to the input size,
 * or, when `clip` is null, from ffmpeg's testsrc2 with temporal noise. Frames are re-timed to 30 fps.
 */
export function sourceY4mArgs(clip: string | null, width: number, height: number, frames: number, out: string): string[] {
  const input = clip === null ? ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${X264_BENCH_FPS}`] : ['-i', clip];
  const prep = clip === null ? 'noise=alls=12:allf=t' : `scale=${width}:${height}:flags=bicubic`;
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    ...input,
    '-an',
    '-vf',
    `${prep},scale=${width * 2}:${height * 2}:flags=bicubic,format=yuv420p,setpts=N/(${X264_BENCH_FPS}*TB)`,
    '-r',
    String(X264_BENCH_FPS),
    '-frames:v',
    String(frames),
    '-f',
    'yuv4mpegpipe',
    out,
  ];
}

/**
 * ladderEncodeArgs encodes the y4m file `y4m` into every rung with the live encoder's video
 * settings (buildEncoderArgs' filter graph, videoSettingsArgs and per-rung rate options) at the
 * combination's presets, into one NUT file `out` (stream i = rung i). `-benchmark` gives ffmpeg's
 * CPU and wall time; `-loglevel verbose` its per-stream byte counts.
 */
export function ladderEncodeArgs(y4m: string, width: number, height: number, combo: PresetCombo, out: string): string[] {
  const input = benchInput(width, height);
  const rungs = liveLadder(width, height);
  const graph = rungFilterGraph(input, rungs);
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'verbose', '-benchmark', '-y', '-f', 'yuv4mpegpipe', '-i', y4m];
  if (graph) args.push('-filter_complex', graph);
  rungs.forEach((_, i) => args.push('-map', graph ? `[v${i}]` : '0:v'));
  const presets = rungs.map((_, i) => (i === 0 ? combo.top : combo.lower));
  args.push(...videoSettingsArgs({ input, rungs, segmentSeconds: SEGMENT_SECONDS, videoEncoder: 'x264', x264Preset: presets }));
  // As buildEncoderArgs: each rung's bitrate, VBV and level.
  rungs.forEach((r, i) => {
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
  args.push('-f', 'nut', out);
  return args;
}

/** topPsnrArgs compares the top rung (stream 0 of `encoded`) with the frames it was made from. */
export function topPsnrArgs(encoded: string, y4m: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-i',
    encoded,
    '-f',
    'yuv4mpegpipe',
    '-i',
    y4m,
    '-lavfi',
    '[0:v:0]settb=AVTB,setpts=PTS-STARTPTS[a];[1:v:0]settb=AVTB,setpts=PTS-STARTPTS[b];[a][b]psnr',
    '-f',
    'null',
    '-',
  ];
}

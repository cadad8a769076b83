import { describe, expect, test } from 'vitest';
import { buildEncoderArgs } from '../encode/encoder-args.js';
import {
  autoCombo,
  benchInput,
  combosFor,
  ladderEncodeArgs,
  liveLadder,
  sourceY4mArgs,
  topPsnrArgs,
  X264_COMBOS,
} from './x264-ladder-args.js';

/** value of the option `name` in args (the argument after it). */
function opt(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe('x264 ladder benchmark arguments', () => {
  test('the live ladder at x2: top at twice the input, lower at the input, bitrates from buildLadder', () => {
    const r = liveLadder(1280, 720);
    expect(r.map((x) => [x.width, x.height])).toEqual([
      [2560, 1440],
      [1280, 720],
    ]);
    expect(r[1]?.videoBitrate).toBe(2_800_000);
    expect(r[0]?.bufsize).toBe(r[0]?.videoBitrate); // live: 1 s VBV
    expect(benchInput(640, 360)).toEqual({ width: 1280, height: 720, fpsNum: 30, fpsDen: 1 });
  });

  test('auto: veryfast at a 720p top rung (already a fixed row), ultrafast top at 1440p (added when missing)', () => {
    expect(autoCombo(liveLadder(640, 360))).toEqual({ top: 'veryfast', lower: 'veryfast' });
    expect(autoCombo(liveLadder(1280, 720))).toEqual({ top: 'ultrafast', lower: 'veryfast' });
    const small = combosFor(liveLadder(640, 360));
    expect(small.combos).toEqual(X264_COMBOS);
    expect(small.autoIndex).toBe(0);
    expect(combosFor(liveLadder(1280, 720)).combos[combosFor(liveLadder(1280, 720)).autoIndex]).toEqual({
      top: 'ultrafast',
      lower: 'veryfast',
    });
  });

  test("the encode carries the live encoder's video options, with one preset per rung", () => {
    const a = ladderEncodeArgs('/t/in.y4m', 640, 360, { top: 'ultrafast', lower: 'veryfast' }, '/t/out.nut');
    expect(opt(a, '-preset:v:0')).toBe('ultrafast');
    expect(opt(a, '-preset:v:1')).toBe('veryfast');
    expect(a).toContain('-benchmark');
    expect(a.slice(-3)).toEqual(['-f', 'nut', '/t/out.nut']);
    const rungs = liveLadder(640, 360);
    const server = buildEncoderArgs({
      outDir: '/t/hls',
      input: benchInput(640, 360),
      rungs,
      hasAudio: false,
      segmentSeconds: 2,
      live: true,
      liveSegmentPattern: 'x_%05d.ts',
      videoQueue: 8,
      audioQueue: 8,
      x264Preset: ['ultrafast', 'veryfast'],
    });
    // Every video option the server passes appears here with the same value.
    for (const name of [
      '-filter_complex',
      '-c:v',
      '-tune',
      '-profile:v',
      '-pix_fmt',
      '-flags',
      '-bf',
      '-sc_threshold',
      '-g',
      '-force_key_frames',
      '-b:v:0',
      '-maxrate:v:0',
      '-bufsize:v:0',
      '-level:v:0',
      '-b:v:1',
      '-maxrate:v:1',
      '-bufsize:v:1',
      '-level:v:1',
      '-preset:v:0',
      '-preset:v:1',
    ]) {
      expect(opt(a, name), name).toBe(opt(server, name));
    }
    const same = ladderEncodeArgs('/t/in.y4m', 640, 360, { top: 'veryfast', lower: 'veryfast' }, '/t/out.nut');
    expect(opt(same, '-preset')).toBe('veryfast');
  });

  test('source frames: the clip scaled to the input then x2, or testsrc2 when there is no clip', () => {
    const c = sourceY4mArgs('/v/clip.mp4', 640, 360, 120, '/t/a.y4m');
    expect(opt(c, '-i')).toBe('/v/clip.mp4');
    expect(opt(c, '-vf')).toMatch(/^scale=640:360:flags=bicubic,scale=1280:720:flags=bicubic,format=yuv420p/);
    expect(opt(c, '-frames:v')).toBe('120');
    expect(c.slice(-3)).toEqual(['-f', 'yuv4mpegpipe', '/t/a.y4m']);
    const g = sourceY4mArgs(null, 160, 90, 10, '/t/b.y4m');
    expect(opt(g, '-i')).toBe('testsrc2=size=160x90:rate=30');
    expect(opt(g, '-vf')).toMatch(/^noise=alls=12:allf=t,scale=320:180:flags=bicubic/);
  });

  test('PSNR compares stream 0 of the encode with the y4m', () => {
    const p = topPsnrArgs('/t/out.nut', '/t/in.y4m');
    expect(p.filter((x, i) => p[i - 1] === '-i')).toEqual(['/t/out.nut', '/t/in.y4m']);
    expect(opt(p, '-lavfi')).toMatch(/\[0:v:0\].*\[1:v:0\].*psnr$/);
  });
});

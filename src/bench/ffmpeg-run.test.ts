import { describe, expect, test } from 'vitest';
import { parseBenchmark, testClipArgs } from './ffmpeg-run.js';

describe('ffmpeg -benchmark parsing', () => {
  test('reads the last bench line; null without one', () => {
    const lines = ['frame=  300 fps=0.0', 'bench: utime=0.124s stime=0.008s rtime=0.178s', 'bench: maxrss=53300kB'];
    expect(parseBenchmark(lines)).toEqual({ utime: 0.124, stime: 0.008, rtime: 0.178 });
    expect(parseBenchmark(['nothing here'])).toBeNull();
  });

  test('the test clip is n raw yuv420p frames on stdout', () => {
    const a = testClipArgs(640, 360, 10);
    expect(a.slice(a.indexOf('-frames:v'), a.indexOf('-frames:v') + 2)).toEqual(['-frames:v', '10']);
    expect(a.slice(-5)).toEqual(['-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1']);
  });
});

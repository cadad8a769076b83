import { describe, expect, test } from 'vitest';
import { buildEncoderArgs } from './encoder-args.js';
import { frameSegmentHlsTime, frameSegmentKeyframeArgs } from './frame-segments.js';
import { buildLadder } from './ladder.js';
import { pushOutputArgs, teeTarget, validatePushUrl } from './push-output.js';

const input = { width: 640, height: 360, fpsNum: 25, fpsDen: 1 };
const base = { outDir: '/o', input, hasAudio: true, segmentSeconds: 2, live: false, videoQueue: 8, audioQueue: 1024 };

function after(args: string[], flag: string): string | undefined {
  return args[args.indexOf(flag) + 1];
}

describe('encoder options for file jobs and restream', () => {
  test('fixed-frame segments: a keyframe at every multiple of N and hls_time just under N frames', () => {
    expect(frameSegmentKeyframeArgs(50)).toEqual(['-g', '50', '-keyint_min', '50', '-force_key_frames', 'expr:eq(mod(n,50),0)']);
    expect(frameSegmentHlsTime(50, input)).toBe('1.980000');
    expect(frameSegmentHlsTime(60, { ...input, fpsNum: 30000, fpsDen: 1001 })).toBe('1.985317');
    const args = buildEncoderArgs({
      ...base,
      rungs: buildLadder({ ...input, width: 320, height: 180 }, 2, true),
      segmentFrames: 50,
      startNumber: 3,
      outputTsOffsetSeconds: 16,
    });
    expect(after(args, '-force_key_frames')).toBe('expr:eq(mod(n,50),0)');
    expect(after(args, '-g')).toBe('50');
    expect(after(args, '-hls_time')).toBe('1.980000');
    expect(after(args, '-start_number')).toBe('3');
    expect(after(args, '-output_ts_offset')).toBe('16.000000');
    expect(args.indexOf('-output_ts_offset')).toBeLessThan(args.indexOf('hls'));
    expect(() => frameSegmentKeyframeArgs(0)).toThrow(RangeError);
  });
  test('without the options nothing changes', () => {
    const args = buildEncoderArgs({ ...base, rungs: buildLadder(input, 1, true) });
    expect(args).not.toContain('-output_ts_offset');
    expect(args).not.toContain('tee');
    expect(after(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
  });
  test('push: a second output of the top rung with audio through tee, failures ignored', () => {
    const rungs = buildLadder({ ...input, width: 320, height: 180 }, 2, true);
    const args = buildEncoderArgs({ ...base, rungs, push: { url: 'rtmp://example.com/live/abc' } });
    const hlsOut = args.indexOf('/o/%v/index.m3u8');
    const push = args.slice(hlsOut + 1);
    expect(push.slice(0, 4)).toEqual(['-map', '0:v', '-map', '1:a']);
    expect(after(push, '-b:v')).toBe(String(rungs[0]?.videoBitrate));
    expect(push.slice(-3)).toEqual(['-f', 'tee', '[f=flv:onfail=ignore]rtmp://example.com/live/abc|[f=null]-']);
    expect(push).toContain('+global_header');
    const odd = pushOutputArgs(
      { url: 'rtmps://h/app/k' },
      { width: 641, height: 361, fpsNum: 25, fpsDen: 1 },
      buildLadder({ width: 641, height: 361, fpsNum: 25, fpsDen: 1 }, 1, false)[0]!,
      false,
      50,
    );
    expect(after(odd, '-vf')).toBe('crop=640:360:0:0');
    expect(odd).not.toContain('1:a');
  });
  test.each([
    ['rtmp://h/live/k', null],
    ['rtmps://h:443/app/k?token=a&b=c', null],
    ['http://h/live', /rtmp:\/\/ or rtmps:\/\//],
    ['rtmp://h/live/k|[f=mpegts]file:/tmp/x', /characters/],
    ['rtmp://h/live/k x', /characters/],
    ["rtmp://h/live/k'", /characters/],
  ])('push URL %j', (url, problem) => {
    const p = validatePushUrl(url);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });
  test('tee target refuses an invalid URL', () => {
    expect(() => teeTarget('file:/etc/x')).toThrow(RangeError);
  });
  test('ladder: a 2160p rung when the output is taller, none otherwise', () => {
    const src = { width: 1920, height: 1080, fpsNum: 25, fpsDen: 1 };
    expect(buildLadder(src, 4, false, [2160]).map((r) => `${r.width}x${r.height}`)).toEqual(['7680x4320', '3840x2160', '1920x1080']);
    expect(buildLadder(src, 2, false, [2160]).map((r) => r.name)).toEqual(['2160p', '1080p']);
    expect(buildLadder({ ...src, width: 320, height: 180 }, 2, false, [2160]).map((r) => r.name)).toEqual(['360p', '180p']);
    const bitrates = buildLadder(src, 4, false, [2160]).map((r) => r.videoBitrate);
    expect([...bitrates].sort((a, b) => b - a)).toEqual(bitrates);
  });
});

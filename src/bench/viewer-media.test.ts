import { describe, expect, test } from 'vitest';
import {
  countFramesArgs,
  cropToScale,
  decodeLumaArgs,
  gopFrames,
  loopedClipArgs,
  parseProbe,
  parseRate,
  publisherArgs,
  rateValue,
  truthArgs,
} from './viewer-media.js';

const after = (args: readonly string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

describe('viewer media: ffmpeg arguments', () => {
  test('one source: cropped, limited-range yuv420p, every frame kept, Y4M at the given rate', () => {
    const a = truthArgs(['/v/a.mp4'], 640, 360, { num: 179, den: 6 }, '/t/truth.y4m');
    expect(a.filter((x) => x === '-i')).toHaveLength(1);
    expect(after(a, '-filter_complex')).toBe('[0:v:0]crop=640:360,format=yuv420p[v]');
    expect(after(a, '-fps_mode')).toBe('passthrough');
    expect(after(a, '-r')).toBe('179/6');
    expect(a.slice(-3)).toEqual(['-f', 'yuv4mpegpipe', '/t/truth.y4m']);
    expect(a).toContain('-an');
  });

  test('several sources are concatenated in the given order', () => {
    const a = truthArgs(['/v/x/1.mkv', '/v/x/2.mkv', '/v/x/3.mkv'], 640, 480, { num: 30, den: 1 }, '/t/t.y4m');
    expect(a.filter((x, i) => a[i - 1] === '-i')).toEqual(['/v/x/1.mkv', '/v/x/2.mkv', '/v/x/3.mkv']);
    expect(after(a, '-filter_complex')).toBe('[0:v:0][1:v:0][2:v:0]concat=n=3:v=1:a=0,crop=640:480,format=yuv420p[v]');
    expect(() => truthArgs([], 2, 2, { num: 30, den: 1 }, '/t')).toThrow(/at least one/);
  });

  test('the publisher: bicubic downscale, x264 CRF veryfast zerolatency, ~2 s GOP, video-only FLV', () => {
    const a = publisherArgs('/t/truth.y4m', { width: 320, height: 180, crf: 30, rate: { num: 30000, den: 1001 } }, '/t/p.flv');
    expect(after(a, '-vf')).toBe('scale=320:180:flags=bicubic,format=yuv420p');
    expect([after(a, '-c:v'), after(a, '-preset'), after(a, '-tune'), after(a, '-crf')]).toEqual([
      'libx264',
      'veryfast',
      'zerolatency',
      '30',
    ]);
    expect([after(a, '-g'), after(a, '-keyint_min')]).toEqual(['60', '60']);
    expect(after(a, '-fps_mode')).toBe('passthrough');
    expect(a.slice(-4)).toEqual(['-an', '-f', 'flv', '/t/p.flv']);
  });

  test('a time-only clip loops its source to the length asked', () => {
    const a = loopedClipArgs('/v/b.mp4', { width: 1280, height: 720, crf: 23, rate: { num: 25, den: 2 } }, 30, '/t/l.flv');
    expect(a.slice(a.indexOf('-stream_loop'), a.indexOf('-stream_loop') + 4)).toEqual(['-stream_loop', '-1', '-i', '/v/b.mp4']);
    expect(after(a, '-t')).toBe('30');
    expect(after(a, '-g')).toBe('25');
    expect(after(a, '-vf')).toBe('scale=1280:720:flags=bicubic,format=yuv420p');
  });

  test('decoding keeps every frame and copies the Y plane as coded', () => {
    const a = decodeLumaArgs('/d/720p/index.m3u8', '/t/o.y');
    expect(after(a, '-fps_mode')).toBe('passthrough');
    expect(after(a, '-vf')).toBe('extractplanes=y');
    expect(a).not.toContain('format=gray');
    expect(a.slice(-3)).toEqual(['-f', 'rawvideo', '/t/o.y']);
    expect(countFramesArgs('/t/l.flv')).toContain('-count_packets');
  });
});

describe('viewer media: sizes and rates', () => {
  test.each([
    ['30', 30, 1, 30],
    ['30000/1001', 30000, 1001, 29.97],
    ['179/6', 179, 6, 29.83],
    ['25/2', 25, 2, 12.5],
  ])('parseRate(%s)', (text, num, den, fps) => {
    const r = parseRate(text);
    expect(r).toEqual({ num, den });
    expect(rateValue(r)).toBeCloseTo(fps, 2);
  });

  test.each(['0/0', '0', '-1', 'abc', '30/0', ''])('parseRate refuses %j', (t) => {
    expect(() => parseRate(t)).toThrow(/not a frame rate/);
  });

  test('GOP is about 2 s of frames', () => {
    expect(gopFrames({ num: 30, den: 1 })).toBe(60);
    expect(gopFrames({ num: 179, den: 6 })).toBe(60);
    expect(gopFrames({ num: 25, den: 2 })).toBe(25);
    expect(gopFrames({ num: 1, den: 10 })).toBe(1);
  });

  test('the truth is cropped so the downscaled size is even', () => {
    expect(cropToScale(640, 360, 2)).toEqual({ width: 640, height: 360 });
    expect(cropToScale(768, 432, 2)).toEqual({ width: 768, height: 432 });
    expect(cropToScale(642, 362, 2)).toEqual({ width: 640, height: 360 });
    expect(cropToScale(1000, 750, 4)).toEqual({ width: 1000, height: 744 });
    expect(() => cropToScale(3, 3, 2)).toThrow(/too small/);
  });

  test('probe: the average rate, or r_frame_rate when the average is unknown', () => {
    expect(parseProbe('{"streams":[{"width":768,"height":432,"r_frame_rate":"25/2","avg_frame_rate":"25/2"}]}')).toEqual({
      width: 768,
      height: 432,
      rate: { num: 25, den: 2 },
    });
    expect(parseProbe('{"streams":[{"width":8,"height":6,"r_frame_rate":"30/1","avg_frame_rate":"0/0"}]}').rate).toEqual({
      num: 30,
      den: 1,
    });
    expect(() => parseProbe('{"streams":[]}')).toThrow(/no video stream/);
  });
});

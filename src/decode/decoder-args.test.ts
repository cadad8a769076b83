import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isLiveUrl, isUrl } from '../ffmpeg/ffmpeg-input.js';
import { buildDecoderArgs, fitFilter } from './decoder-args.js';

/** after returns the argument that follows `flag` (first occurrence). */
function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

const RTMP = 'rtmp://127.0.0.1:1935/live/abc?token=x';

describe('buildDecoderArgs', () => {
  test.each([
    ['rtmp with audio', { input: RTMP, hasAudio: true }, { input: RTMP, live: true, audio: true, re: false }],
    ['rtmp without audio', { input: RTMP, hasAudio: false }, { input: RTMP, live: true, audio: false, re: false }],
    [
      'file played live',
      { input: '/media/a.mp4', hasAudio: true, realtime: true },
      { input: 'file:/media/a.mp4', live: false, audio: true, re: true },
    ],
    [
      'file as fast as possible',
      { input: '/media/a.mp4', hasAudio: false },
      { input: 'file:/media/a.mp4', live: false, audio: false, re: false },
    ],
    [
      'http file',
      { input: 'https://example.com/a.mp4', hasAudio: true },
      { input: 'https://example.com/a.mp4', live: false, audio: true, re: false },
    ],
  ])('%s', (_name, opts, want) => {
    const args = buildDecoderArgs(opts);
    expect(after(args, '-i')).toBe(want.input);
    expect(args.includes('-rw_timeout')).toBe(want.live);
    expect(args.includes('-analyzeduration')).toBe(want.live);
    expect(args.includes('-re')).toBe(want.re);
    if (want.re) expect(args.indexOf('-re')).toBeLessThan(args.indexOf('-i'));
    // Video: first video stream, constant rate, yuv420p y4m on stdout.
    expect(after(args, '-map')).toBe('0:v:0');
    expect(after(args, '-fps_mode')).toBe('cfr');
    expect(after(args, '-pix_fmt')).toBe('yuv420p');
    expect(args).toContain('yuv4mpegpipe');
    expect(args.indexOf('pipe:1')).toBeGreaterThan(args.indexOf('yuv4mpegpipe'));
    // Audio: only when asked, s16le 48 kHz stereo on fd 3, starting at t=0.
    expect(args.includes('0:a:0')).toBe(want.audio);
    expect(args.includes('pipe:3')).toBe(want.audio);
    if (want.audio) {
      expect(after(args, '-af')).toMatch(/^aresample=48000:async=1:first_pts=0,aformat=sample_fmts=s16:channel_layouts=stereo$/);
      expect(after(args, '-f')).toBe('yuv4mpegpipe');
      expect(args.slice(args.indexOf('0:a:0'))).toEqual(expect.arrayContaining(['-f', 's16le', 'pipe:3']));
      expect(args.at(-1)).toBe('pipe:3');
    } else {
      expect(args.at(-1)).toBe('pipe:1');
      expect(args.some((a) => a.startsWith('aresample'))).toBe(false);
    }
  });

  test('rw_timeout is in microseconds, and rtmp asks for a live stream', () => {
    const args = buildDecoderArgs({ input: RTMP, hasAudio: true, rwTimeoutMs: 2500 });
    expect(after(args, '-rw_timeout')).toBe('2500000');
    expect(after(args, '-rtmp_live')).toBe('live');
    expect(args.indexOf('-rw_timeout')).toBeLessThan(args.indexOf('-i'));
  });

  test.each([
    ['-weird.mp4', `file:${path.resolve('-weird.mp4')}`],
    ['dir/a:b.mp4', `file:${path.resolve('dir/a:b.mp4')}`],
    ['rel/clip.mp4', `file:${path.resolve('rel/clip.mp4')}`],
  ])('a file path is never read as an option or protocol: %s', (input, want) => {
    expect(after(buildDecoderArgs({ input, hasAudio: false }), '-i')).toBe(want);
  });

  test('a forced frame rate goes on the output', () => {
    const args = buildDecoderArgs({ input: '/a.mp4', hasAudio: false, fps: { num: 30000, den: 1001 } });
    expect(after(args, '-r')).toBe('30000/1001');
    expect(args.indexOf('-r')).toBeGreaterThan(args.indexOf('-i'));
  });

  test('every output flushes each packet (a frame is not held back in a buffer)', () => {
    const args = buildDecoderArgs({ input: RTMP, hasAudio: true });
    expect(args.filter((a) => a === '-flush_packets')).toHaveLength(2);
  });
});

describe('fixed output size (a stream whose ladder is set)', () => {
  test('fits and pads an even size, scales an odd one exactly, refuses nonsense', () => {
    const args = buildDecoderArgs({ input: 'rtmp://127.0.0.1/live/k', hasAudio: false, size: { width: 640, height: 360 } });
    expect(args[args.indexOf('-vf') + 1]).toBe(fitFilter(640, 360));
    expect(fitFilter(640, 360)).toBe(
      'scale=640:360:force_original_aspect_ratio=decrease:flags=bicubic,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1',
    );
    expect(fitFilter(321, 181)).toBe('scale=321:181:flags=bicubic,setsar=1');
    expect(() => fitFilter(0, 360)).toThrow(RangeError);
    expect(() => fitFilter(640.5, 360)).toThrow(RangeError);
    expect(buildDecoderArgs({ input: 'rtmp://127.0.0.1/live/k', hasAudio: false }).includes('-vf')).toBe(false);
  });
});

describe('isUrl / isLiveUrl', () => {
  test.each([
    ['rtmp://h/live/k', true, true],
    ['rtmps://h/live/k', true, true],
    ['srt://h:9000', true, true],
    ['https://h/a.mp4', true, false],
    ['/abs/a.mp4', false, false],
    ['C:\\video\\a.mp4', false, false],
    ['a:b.mp4', false, false],
  ])('%s', (input, url, live) => {
    expect(isUrl(input)).toBe(url);
    expect(isLiveUrl(input)).toBe(live);
  });
});

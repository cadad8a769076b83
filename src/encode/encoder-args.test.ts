import { describe, expect, test } from 'vitest';
import { buildEncoderArgs, rungFilterGraph, varStreamMap, type EncoderArgsOptions } from './encoder-args.js';
import { buildLadder } from './ladder.js';

function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

function options(over: Partial<EncoderArgsOptions> & { srcW?: number; srcH?: number; scale?: number } = {}): EncoderArgsOptions {
  const { srcW = 320, srcH = 180, scale = 2, ...rest } = over;
  const hasAudio = rest.hasAudio ?? true;
  const source = { width: srcW, height: srcH, fpsNum: 25, fpsDen: 1 };
  return {
    outDir: '/data/hls/key',
    input: { width: srcW * scale, height: srcH * scale, fpsNum: 25, fpsDen: 1 },
    rungs: buildLadder(source, scale, hasAudio),
    hasAudio,
    segmentSeconds: 2,
    live: true,
    liveSegmentPattern: 'k3j4h5g6f7s1_%05d.ts',
    videoQueue: 64,
    audioQueue: 1024,
    ...rest,
  };
}

describe('buildEncoderArgs', () => {
  test.each([
    ['with audio', true],
    ['without audio', false],
  ])('%s: inputs, maps and the ladder', (_name, hasAudio) => {
    const args = buildEncoderArgs(options({ hasAudio }));
    expect(args.slice(args.indexOf('-f'), args.indexOf('-f') + 4)).toEqual(['-f', 'yuv4mpegpipe', '-i', 'pipe:0']);
    expect(args.includes('pipe:3')).toBe(hasAudio);
    expect(args.filter((a) => a === '-map')).toHaveLength(hasAudio ? 4 : 2);
    expect(args.includes('1:a')).toBe(hasAudio);
    expect(args.includes('aac')).toBe(hasAudio);
    expect(args.some((a) => a.startsWith('-b:a'))).toBe(hasAudio);
    expect(after(args, '-filter_complex')).toBe('[0:v]split=2[v0][s1];[s1]scale=320:180:flags=bicubic[v1]');
    expect(after(args, '-var_stream_map')).toBe(hasAudio ? 'v:0,a:0,name:360p v:1,a:1,name:180p' : 'v:0,name:360p v:1,name:180p');
    // Live: run-unique segment names and a private playlist the writer reads; the writer makes the public ones.
    expect(args.includes('-master_pl_name')).toBe(false);
    expect(after(args, '-hls_segment_filename')).toBe('/data/hls/key/%v/k3j4h5g6f7s1_%05d.ts');
    expect(args.at(-1)).toBe('/data/hls/key/%v/ffmpeg.m3u8.private');
  });

  test("file jobs keep ffmpeg's own playlists and master, and seg_NNNNN.ts names", () => {
    const args = buildEncoderArgs(options({ live: false }));
    expect(after(args, '-master_pl_name')).toBe('master.m3u8');
    expect(after(args, '-hls_segment_filename')).toBe('/data/hls/key/%v/seg_%05d.ts');
    expect(args.at(-1)).toBe('/data/hls/key/%v/index.m3u8');
  });

  test('a live encoder without a segment pattern is refused', () => {
    expect(() => buildEncoderArgs(options({ liveSegmentPattern: undefined }))).toThrow(/liveSegmentPattern/);
  });

  test('audio input is s16le 48 kHz stereo on fd 3 with a deep queue; video queue as given', () => {
    const args = buildEncoderArgs(options());
    const audioIn = args.slice(args.indexOf('pipe:0') + 1, args.indexOf('pipe:3') + 1);
    expect(audioIn).toEqual([
      '-thread_queue_size',
      '1024',
      '-probesize',
      '32',
      '-analyzeduration',
      '0',
      '-f',
      's16le',
      '-ar',
      '48000',
      '-ch_layout',
      'stereo',
      '-i',
      'pipe:3',
    ]);
    expect(after(args, '-thread_queue_size')).toBe('64');
  });

  test.each([
    ['video (stdin)', 'pipe:0'],
    ['audio (fd 3)', 'pipe:3'],
  ])('the %s input is not probed: ffmpeg opens inputs one at a time and must not wait for data here', (_name, pipe) => {
    // Probing the audio input reads ~1 s of it while the video pipe is not read; a decoder paused
    // for video backpressure then never sends that audio (reproduced by the live-paced
    // integration test). Both inputs describe themselves, so nothing is lost.
    const args = buildEncoderArgs(options());
    const input = args.slice(0, args.indexOf(pipe) + 1);
    const own = input.slice(input.lastIndexOf('-thread_queue_size'));
    expect(own).toEqual(expect.arrayContaining(['-probesize', '32', '-analyzeduration', '0']));
    expect(after(own, '-probesize')).toBe('32');
    expect(after(own, '-analyzeduration')).toBe('0');
  });

  test('every rung has an explicit bitrate, VBV and level (ffmpeg 5.1 drops variants without a bitrate)', () => {
    const o = options({ srcW: 640, srcH: 360 });
    const args = buildEncoderArgs(o);
    o.rungs.forEach((r, i) => {
      expect(after(args, `-b:v:${i}`)).toBe(String(r.videoBitrate));
      expect(after(args, `-maxrate:v:${i}`)).toBe(String(r.videoBitrate));
      expect(after(args, `-bufsize:v:${i}`)).toBe(String(r.bufsize));
      expect(after(args, `-level:v:${i}`)).toBe(r.level);
      expect(after(args, `-b:a:${i}`)).toBe('128000');
    });
    expect(after(args, '-b:v:0')).toBe('2440000'); // 1280x720 at 25 fps: 2.8 Mbit/s x (25/30)^0.75
  });

  test.each([
    [2, 25, 1, '50', 'expr:gte(t,n_forced*2)'],
    [4, 25, 1, '100', 'expr:gte(t,n_forced*4)'],
    [2, 30000, 1001, '60', 'expr:gte(t,n_forced*2)'],
    [1, 24, 1, '24', 'expr:gte(t,n_forced*1)'],
  ])('segments of %ss at %i/%i fps: keyframe every segment, closed GOPs, no scene cuts', (seg, num, den, gop, force) => {
    const o = options({ segmentSeconds: seg });
    const args = buildEncoderArgs({ ...o, input: { ...o.input, fpsNum: num, fpsDen: den } });
    expect(after(args, '-g')).toBe(gop);
    expect(after(args, '-force_key_frames')).toBe(force);
    expect(after(args, '-hls_time')).toBe(String(seg));
    expect(after(args, '-flags')).toBe('+cgop');
    expect(after(args, '-sc_threshold')).toBe('0');
    expect(after(args, '-preset')).toBe('veryfast');
    expect(after(args, '-tune')).toBe('zerolatency');
  });

  test.each([
    // Live: ffmpeg neither deletes segments nor appends to old playlists; the HlsWriter owns both.
    [true, '6', undefined, 'independent_segments+temp_file+omit_endlist'],
    [false, '0', 'event', 'independent_segments+temp_file'],
  ])('live=%s: list size %s, playlist type %s', (live, size, type, flags) => {
    const args = buildEncoderArgs(options({ live }));
    expect(after(args, '-hls_list_size')).toBe(size);
    expect(after(args, '-hls_playlist_type')).toBe(type);
    expect(after(args, '-hls_flags')).toBe(flags);
  });

  test('start number is passed only when set', () => {
    expect(buildEncoderArgs(options()).includes('-start_number')).toBe(false);
    expect(after(buildEncoderArgs(options({ startNumber: 42 })), '-start_number')).toBe('42');
  });

  test('an outDir with % is refused (ffmpeg would expand it)', () => {
    expect(() => buildEncoderArgs(options({ outDir: '/data/50%/x' }))).toThrow(/%/);
  });
});

describe('rungFilterGraph', () => {
  const info = (width: number, height: number) => ({ width, height, fpsNum: 25, fpsDen: 1 });
  test.each([
    ['x2, even', info(640, 360), buildLadder(info(320, 180), 2, false), '[0:v]split=2[v0][s1];[s1]scale=320:180:flags=bicubic[v1]'],
    [
      'x3 of an odd source: crop the top rung, scale the other',
      info(963, 543),
      buildLadder(info(321, 181), 3, false),
      '[0:v]split=2[s0][s1];[s0]crop=962:542:0:0[v0];[s1]scale=320:180:flags=bicubic[v1]',
    ],
    ['one rung, same size', info(1280, 720), buildLadder(info(1280, 720), 1, false), null],
    ['one rung, odd input', info(1281, 721), buildLadder(info(1281, 721), 1, false), '[0:v]crop=1280:720:0:0[v0]'],
  ])('%s', (_name, input, rungs, want) => {
    expect(rungFilterGraph(input, rungs)).toBe(want);
  });

  test('a single rung without a filter maps the input directly', () => {
    const o = options({ scale: 1 });
    const args = buildEncoderArgs(o);
    expect(args.includes('-filter_complex')).toBe(false);
    expect(after(args, '-map')).toBe('0:v');
  });
});

describe('varStreamMap', () => {
  test('pairs video i with audio i and names the rung', () => {
    const rungs = buildLadder({ width: 640, height: 360, fpsNum: 30, fpsDen: 1 }, 2, true);
    expect(varStreamMap(rungs, true)).toBe('v:0,a:0,name:720p v:1,a:1,name:360p');
  });
});

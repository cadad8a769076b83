import { describe, expect, test } from 'vitest';
import { buildEncoderArgs } from './encoder-args.js';
import { buildLadder } from './ladder.js';
import {
  VIDEO_ENCODERS,
  autoX264Presets,
  formatX264Presets,
  rungPresets,
  videoCodecArgs,
  type VideoEncoder,
  type X264PresetChoice,
} from './video-codec.js';

function after(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

function encoderArgs(videoEncoder?: VideoEncoder, x264Preset?: X264PresetChoice): string[] {
  const source = { width: 640, height: 360, fpsNum: 30, fpsDen: 1 };
  return buildEncoderArgs({
    outDir: '/data/hls/key',
    input: { ...source, width: 1280, height: 720 },
    rungs: buildLadder(source, 2, true),
    hasAudio: true,
    segmentSeconds: 2,
    live: true,
    liveSegmentPattern: 'k3j4h5g6f7s1_%05d.ts',
    videoQueue: 64,
    audioQueue: 1024,
    ...(videoEncoder === undefined ? {} : { videoEncoder }),
    ...(x264Preset === undefined ? {} : { x264Preset }),
  });
}

describe('videoCodecArgs', () => {
  test.each([
    ['x264', 'libx264', 'veryfast', 'zerolatency'],
    ['nvenc', 'h264_nvenc', 'p4', 'll'],
  ] as const)('%s selects %s with preset %s and tune %s', (encoder, codec, preset, tune) => {
    const args = videoCodecArgs(encoder);
    expect(args.slice(0, 2)).toEqual(['-c:v', codec]);
    expect(after(args, '-preset')).toBe(preset);
    expect(after(args, '-tune')).toBe(tune);
  });

  test('a preset per rung, top rung first: -preset:v:N per output, lower rungs past the list take its last', () => {
    const args = encoderArgs('x264', ['superfast', 'veryfast']);
    expect(args).not.toContain('-preset');
    expect(after(args, '-preset:v:0')).toBe('superfast');
    expect(after(args, '-preset:v:1')).toBe('veryfast');
    const sizes = (n: number) => Array.from({ length: n }, (_, i) => ({ width: 1280 >> i, height: 720 >> i }));
    expect(after(videoCodecArgs('x264', ['ultrafast'], sizes(3)), '-preset')).toBe('ultrafast');
    expect(after(videoCodecArgs('x264', ['fast', 'fast'], sizes(2)), '-preset')).toBe('fast'); // all the same: one flag
    const three = videoCodecArgs('x264', ['superfast', 'veryfast'], sizes(3));
    expect([after(three, '-preset:v:0'), after(three, '-preset:v:1'), after(three, '-preset:v:2')]).toEqual([
      'superfast',
      'veryfast',
      'veryfast',
    ]);
    expect(after(videoCodecArgs('nvenc', ['ultrafast', 'fast'], sizes(2)), '-preset')).toBe('p4');
    expect(rungPresets('fast', sizes(2), 30)).toEqual(['fast', 'fast']);
    expect(rungPresets(['fast', 'medium'], sizes(3), 30)).toEqual(['fast', 'medium', 'medium']);
    expect([formatX264Presets('fast'), formatX264Presets(['superfast', 'veryfast']), formatX264Presets('auto')]).toEqual([
      'fast',
      'superfast,veryfast',
      'auto',
    ]);
  });

  test.each([
    [1280, 720, 30, ['veryfast', 'veryfast']],
    [1920, 1080, 30, ['ultrafast', 'veryfast']],
    [1280, 720, 60, ['ultrafast', 'veryfast']],
    [1280, 720, 25, ['veryfast', 'veryfast']],
    [2560, 1440, 30, ['ultrafast', 'veryfast']],
    [640, 360, 30, ['veryfast', 'veryfast']],
  ] as const)('auto: a %ix%i top rung at %i fps takes %j', (width, height, fps, expected) => {
    const rungs = [
      { width, height },
      { width: width / 2, height: height / 2 },
    ];
    expect(autoX264Presets(rungs, fps)).toEqual(expected);
    expect(rungPresets('auto', rungs, fps)).toEqual(expected);
  });

  test('auto on a ladder: the large top rung gets ultrafast through -preset:v:0', () => {
    const args = buildEncoderArgs({
      outDir: '/data/hls/key',
      input: { width: 2560, height: 1440, fpsNum: 30, fpsDen: 1 },
      rungs: buildLadder({ width: 1280, height: 720, fpsNum: 30, fpsDen: 1 }, 2, true),
      hasAudio: false,
      segmentSeconds: 2,
      live: true,
      liveSegmentPattern: 'k3j4h5g6f7s1_%05d.ts',
      videoQueue: 64,
      audioQueue: 1024,
      x264Preset: 'auto',
    });
    expect([after(args, '-preset:v:0'), after(args, '-preset:v:1')]).toEqual(['ultrafast', 'veryfast']);
  });

  test('x264 takes the preset asked for; nvenc has its own', () => {
    expect(after(videoCodecArgs('x264', 'ultrafast'), '-preset')).toBe('ultrafast');
    expect(after(videoCodecArgs('nvenc', 'ultrafast'), '-preset')).toBe('p4');
    expect(after(encoderArgs('x264', 'superfast'), '-preset')).toBe('superfast');
    expect(after(encoderArgs(), '-preset')).toBe('veryfast');
  });

  test('nvenc: constant bitrate, no lookahead, IDR at forced keyframes, no scene-cut keyframes', () => {
    const args = videoCodecArgs('nvenc');
    expect(after(args, '-rc')).toBe('cbr');
    expect(after(args, '-zerolatency')).toBe('1');
    expect(after(args, '-rc-lookahead')).toBe('0');
    expect(after(args, '-forced-idr')).toBe('1');
    expect(after(args, '-no-scenecut')).toBe('1');
  });

  test('every encoder is covered and arguments come in flag/value pairs', () => {
    for (const e of VIDEO_ENCODERS) {
      const args = videoCodecArgs(e);
      expect(args.length % 2, e).toBe(0);
      args.forEach((a, i) => expect(a.startsWith('-'), `${e} ${i}: ${a}`).toBe(i % 2 === 0));
    }
  });
});

describe('buildEncoderArgs with a video encoder', () => {
  test('defaults to x264', () => {
    expect(after(encoderArgs(), '-c:v')).toBe('libx264');
    expect(encoderArgs()).toEqual(encoderArgs('x264'));
  });

  test('nvenc replaces only the codec settings: ladder, GOP, keyframes, bitrates and HLS stay', () => {
    const x264 = encoderArgs('x264');
    const nvenc = encoderArgs('nvenc');
    expect(nvenc.filter((a) => a === '-c:v')).toHaveLength(1);
    expect(after(nvenc, '-c:v')).toBe('h264_nvenc');
    expect(nvenc.includes('libx264')).toBe(false);
    const strip = (args: string[], codec: string[]): string[] => {
      const at = args.indexOf('-c:v');
      return [...args.slice(0, at), ...args.slice(at + codec.length)];
    };
    expect(strip(nvenc, videoCodecArgs('nvenc'))).toEqual(strip(x264, videoCodecArgs('x264')));
    for (const flag of ['-g', '-force_key_frames', '-bf', '-profile:v', '-pix_fmt', '-b:v:0', '-level:v:0', '-var_stream_map']) {
      expect(after(nvenc, flag), flag).toBe(after(x264, flag));
      expect(after(nvenc, flag), flag).toBeDefined();
    }
  });
});

import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { parseProbeJson, probeArgs, probeMedia } from './probe.js';

// Trimmed from `ffprobe -v error -print_format json -show_streams -show_format -count_frames` (ffmpeg 5.1).
const FFPROBE_JSON = {
  streams: [
    {
      index: 0,
      codec_name: 'h264',
      codec_type: 'video',
      width: 320,
      height: 180,
      pix_fmt: 'yuv420p',
      avg_frame_rate: '25/1',
      nb_read_frames: '100',
      start_time: '0.000000',
      duration: '4.000000',
    },
    {
      index: 1,
      codec_name: 'aac',
      codec_type: 'audio',
      avg_frame_rate: '0/0',
      nb_read_frames: '173',
      sample_rate: '44100',
      channels: 1,
      start_time: '0.000000',
      duration: '4.000000',
    },
    { index: 2, codec_type: 'data', duration: 'N/A' },
  ],
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '4.000000', start_time: '0.000000' },
};

describe('parseProbeJson', () => {
  test('maps streams and format, turning numeric strings into numbers', () => {
    const p = parseProbeJson(FFPROBE_JSON);
    expect(p.streams[0]).toEqual({
      index: 0,
      codecType: 'video',
      codecName: 'h264',
      width: 320,
      height: 180,
      pixFmt: 'yuv420p',
      avgFrameRate: '25/1',
      fps: 25,
      nbReadFrames: 100,
      startTime: 0,
      duration: 4,
    });
    expect(p.streams[1]).toEqual({
      index: 1,
      codecType: 'audio',
      codecName: 'aac',
      avgFrameRate: '0/0',
      nbReadFrames: 173,
      sampleRate: 44100,
      channels: 1,
      startTime: 0,
      duration: 4,
    });
    expect(p.streams[2]).toEqual({ index: 2, codecType: 'data' });
    expect(p.format).toEqual({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', duration: 4, startTime: 0 });
  });

  test.each([[null], [{}], [{ streams: 'x' }], [[]]])('tolerates %j', (json) => {
    expect(parseProbeJson(json)).toEqual({ streams: [], format: {} });
  });

  test('fractional rates', () => {
    const p = parseProbeJson({ streams: [{ index: 0, codec_type: 'video', avg_frame_rate: '30000/1001' }] });
    expect(p.streams[0]?.fps).toBeCloseTo(29.97, 2);
  });
});

describe('probeArgs', () => {
  test.each([
    ['/a/b.ts', {}, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', 'file:/a/b.ts']],
    [
      '-odd.ts',
      { countFrames: true },
      ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-count_frames', 'file:-odd.ts'],
    ],
    ['http://h/a.m3u8', {}, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', 'http://h/a.m3u8']],
  ])('%s %j', (file, opts, want) => {
    expect(probeArgs(file, opts)).toEqual(want);
  });
});

describe('probeMedia', () => {
  test('a missing ffprobe rejects with PROBE_FAILED', async () => {
    const err = await probeMedia('/nonexistent/ffprobe', '/a.ts').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UprezError);
    expect((err as UprezError).code).toBe('PROBE_FAILED');
  });
});

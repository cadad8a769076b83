import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseBenchOptions } from '../cli/bench-options.js';
import { defaultVideoDir } from './viewer-options.js';

describe('viewer benchmark flags', () => {
  test('defaults: every clip, CRF 23 and 30, 3 repeats, SSIM every 10th frame, 30 s time runs', () => {
    expect(parseBenchOptions([]).viewer).toEqual({
      videoDir: null,
      clips: null,
      crfs: [23, 30],
      repeats: 3,
      ssimEvery: 10,
      timeSeconds: 30,
      cli: null,
      offline: false,
    });
    expect(defaultVideoDir('/work/main')).toBe(path.resolve('/work/shared/datasets/video'));
  });

  test('--quick: one repeat, sparser SSIM, 10 s time runs', () => {
    expect(parseBenchOptions(['--quick']).viewer).toMatchObject({ repeats: 1, ssimEvery: 30, timeSeconds: 10 });
  });

  test('every viewer flag is read', () => {
    const v = parseBenchOptions([
      '--only',
      'viewer',
      '--video-dir',
      '/v',
      '--clips',
      'asl, car-detection',
      '--crf',
      '30,23,30',
      '--repeats',
      '5',
      '--ssim-every',
      '1',
      '--time-seconds',
      '0',
      '--cli',
      '/b/main.js',
      '--offline',
    ]).viewer;
    expect(v).toEqual({
      videoDir: path.resolve('/v'),
      clips: ['asl', 'car-detection'],
      crfs: [30, 23],
      repeats: 5,
      ssimEvery: 1,
      timeSeconds: 0,
      cli: path.resolve('/b/main.js'),
      offline: true,
    });
    expect(parseBenchOptions(['--only', 'viewer']).only).toEqual(['viewer']);
  });

  test.each([
    [['--crf', '52'], /--crf/],
    [['--crf', 'x'], /--crf/],
    [['--crf', ','], /--crf/],
    [['--clips', '../etc'], /--clips/],
    [['--repeats', '0'], /--repeats/],
    [['--ssim-every', '0'], /--ssim-every/],
    [['--time-seconds', '-1'], /--time-seconds/],
  ])('%j is refused, naming the flag', (argv, msg) => {
    expect(() => parseBenchOptions(argv)).toThrow(msg);
  });
});

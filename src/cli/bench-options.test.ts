import { describe, expect, test } from 'vitest';
import { parseBenchOptions } from './bench-options.js';

describe('uprez bench options', () => {
  test('defaults: every benchmark, BENCHMARKS.md, auto provider, 60 s live', () => {
    expect(parseBenchOptions([])).toEqual({
      only: ['overhead', 'inference', 'fallback', 'parallelism', 'live', 'x264', 'viewer', 'density', 'memory', 'gpu'],
      quick: false,
      out: 'BENCHMARKS.md',
      model: undefined,
      provider: 'auto',
      threads: 1,
      liveSeconds: 60,
      workers: 2,
      hysteresis: true,
      x264Preset: 'auto',
      viewer: { videoDir: null, clips: null, crfs: [23, 30], repeats: 3, ssimEvery: 10, timeSeconds: 30, cli: null, offline: false },
      help: false,
    });
  });

  test('--only keeps report order; --quick shortens live runs; --no-write prints only', () => {
    const o = parseBenchOptions(['--only', 'fallback,overhead', '--quick', '--no-write', '--provider', 'cuda']);
    expect(o.only).toEqual(['overhead', 'fallback']);
    expect(o.liveSeconds).toBe(15);
    expect(o.out).toBeNull();
    expect(o.provider).toBe('cuda');
  });

  test('live runs can name the fallback model or turn the ladder off', () => {
    expect(parseBenchOptions([]).fallbackModel).toBeUndefined();
    expect(parseBenchOptions(['--fallback-model', 'none']).fallbackModel).toBe('none');
    expect(parseBenchOptions(['--fallback-model', 'uprez-x2-tiny']).fallbackModel).toBe('uprez-x2-tiny');
  });

  test('live runs can use other server settings: --workers, --hysteresis, --x264-preset', () => {
    const o = parseBenchOptions(['--workers', '2', '--hysteresis', 'off', '--x264-preset', 'ultrafast']);
    expect([o.workers, o.hysteresis, o.x264Preset]).toEqual([2, false, 'ultrafast']);
  });

  test.each([
    [['--only', 'fast'], /--only .*"fast"/],
    [['--only', ''], /--only/],
    [['--provider', 'tpu'], /--provider/],
    [['--threads', '0'], /--threads/],
    [['--live-seconds', '2'], /--live-seconds/],
    [['--workers', '0'], /--workers/],
    [['--hysteresis', 'maybe'], /--hysteresis/],
    [['--x264-preset', 'placebo'], /--x264-preset must be auto, or one of/],
    [['--out', 'x.md', '--no-write'], /exclude/],
    [['extra'], /unexpected argument/],
    [['--bogus'], /bogus/],
  ])('%j is refused, naming the flag', (argv, msg) => {
    expect(() => parseBenchOptions(argv)).toThrow(msg);
  });
});

import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseServeConfig, SERVE_DEFAULTS, serveHelp } from './serve-config.js';

describe('parseServeConfig', () => {
  test('embedded defaults need nothing', () => {
    const cfg = parseServeConfig([], {});
    expect(cfg).toEqual(SERVE_DEFAULTS);
    expect(cfg.rtmpPort).toBe(1935);
    expect(cfg.httpPort).toBe(8000);
    expect(cfg.dataDir).toBe(path.resolve('data'));
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  test('environment then flags, flags win', () => {
    const cfg = parseServeConfig(['--http-port', '9000', '--scale=4'], {
      UPREZ_HTTP_PORT: '8080',
      UPREZ_RTMP_PORT: '1936',
      UPREZ_LATENCY_BUDGET_MS: '400',
      UPREZ_MODEL: 'none',
    });
    expect(cfg.httpPort).toBe(9000);
    expect(cfg.rtmpPort).toBe(1936);
    expect(cfg.scale).toBe(4);
    expect(cfg.latencyBudgetMs).toBe(400);
    expect(cfg.model).toBe('none');
  });

  test.each([
    [['--rtmp-port', '70000'], {}, /--rtmp-port must be from 0 to 65535/],
    [['--http-port', 'eighty'], {}, /--http-port must be a whole number/],
    [[], { UPREZ_SCALE: '3' }, /UPREZ_SCALE must be one of 2, 4/],
    [['--provider', 'tpu'], {}, /--provider must be one of auto, cpu, cuda/],
    [[], { UPREZ_ENCODER: 'h264_nvenc' }, /UPREZ_ENCODER must be one of x264, nvenc/],
    [['--x264-preset', 'placebo'], {}, /--x264-preset must be auto, or one of ultrafast, superfast, veryfast, faster, fast, medium/],
    [['--latency-budget-ms', '0'], {}, /--latency-budget-ms must be from 1/],
    [['--rtmp-port', '9000', '--http-port', '9000'], {}, /must differ/],
    [['--bogus', '1'], {}, /unknown option "--bogus"/],
    [['--data-dir'], {}, /--data-dir needs a value/],
    [['--host', 'a b'], {}, /--host must be a host name/],
    [['--publish-keys', 'ok,b/ad'], {}, /--publish-keys has an invalid key "b\/ad"/],
    [[], { UPREZ_PUBLISH_SECRET: 'short' }, /UPREZ_PUBLISH_SECRET must be at least 16/],
    [[], { UPREZ_PUBLISH_KEYS: 'a', UPREZ_PUBLISH_SECRET: '0123456789abcdef' }, /either --publish-keys/],
  ])('rejects %j %j', (argv, env, msg) => {
    expect(() => parseServeConfig(argv, env)).toThrow(msg);
  });

  test('hls mode: ll by default, classic from the variable or the flag, anything else refused', () => {
    expect(parseServeConfig([], {}).hlsMode).toBe('ll');
    expect(parseServeConfig([], { UPREZ_HLS_MODE: 'classic' }).hlsMode).toBe('classic');
    expect(parseServeConfig(['--hls-mode', 'll'], { UPREZ_HLS_MODE: 'classic' }).hlsMode).toBe('ll');
    expect(() => parseServeConfig(['--hls-mode', 'lhls'], {})).toThrow(/--hls-mode must be one of ll, classic, got "lhls"/);
  });

  test('encoder: x264 by default, nvenc from the variable or the flag', () => {
    expect(parseServeConfig([], {}).encoder).toBe('x264');
    expect(parseServeConfig([], { UPREZ_ENCODER: 'nvenc' }).encoder).toBe('nvenc');
    expect(parseServeConfig(['--encoder', 'x264'], { UPREZ_ENCODER: 'nvenc' }).encoder).toBe('x264');
  });

  test('fallback model: unset (the card marked liveFallback) by default, a name, a path or none from the variable or the flag', () => {
    expect(parseServeConfig([], {}).fallbackModel).toBeUndefined();
    expect(parseServeConfig([], { UPREZ_FALLBACK_MODEL: 'none' }).fallbackModel).toBe('none');
    expect(parseServeConfig(['--fallback-model', 'uprez-x2-tiny'], { UPREZ_FALLBACK_MODEL: 'none' }).fallbackModel).toBe('uprez-x2-tiny');
    expect(() => parseServeConfig(['--fallback-model', ''], {})).toThrow(/--fallback-model must be a model name or path, or none/);
  });

  test('x264 preset: auto by default, any of the listed ones from the variable or the flag', () => {
    expect(parseServeConfig([], {}).x264Preset).toBe('auto');
    expect(parseServeConfig(['--x264-preset', 'auto'], { UPREZ_X264_PRESET: 'fast' }).x264Preset).toBe('auto');
    expect(parseServeConfig([], { UPREZ_X264_PRESET: 'ultrafast' }).x264Preset).toBe('ultrafast');
    expect(parseServeConfig(['--x264-preset', 'superfast'], { UPREZ_X264_PRESET: 'ultrafast' }).x264Preset).toBe('superfast');
    expect(parseServeConfig(['--x264-preset', 'superfast, veryfast'], {}).x264Preset).toEqual(['superfast', 'veryfast']);
    expect(() => parseServeConfig(['--x264-preset', 'superfast,placebo'], {})).toThrow(/--x264-preset must be auto, or one of/);
    expect(() => parseServeConfig(['--x264-preset', 'fast,,fast'], {})).toThrow(/--x264-preset must be auto, or one of/);
  });

  test('stream fault and path options: retention window, reconnect window, model errors, hysteresis', () => {
    const d = parseServeConfig([], {});
    expect([d.hlsListSize, d.reconnectWindowSeconds, d.onModelError, d.hysteresis]).toEqual([6, 30, 'fail', true]);
    const c = parseServeConfig(
      ['--hls-list-size', '10', '--reconnect-window-s', '0', '--on-model-error', 'bicubic', '--hysteresis', 'off'],
      {},
    );
    expect([c.hlsListSize, c.reconnectWindowSeconds, c.onModelError, c.hysteresis]).toEqual([10, 0, 'bicubic', false]);
    expect(parseServeConfig([], { UPREZ_HYSTERESIS: 'off' }).hysteresis).toBe(false);
    expect(() => parseServeConfig(['--hysteresis', 'maybe'], {})).toThrow(/--hysteresis/);
    expect(() => parseServeConfig(['--hls-list-size', '2'], {})).toThrow(/--hls-list-size must be from 3/);
    expect(() => parseServeConfig(['--on-model-error', 'ignore'], {})).toThrow(/--on-model-error/);
  });

  test('security options', () => {
    const cfg = parseServeConfig(['--publish-keys', 'cam1, cam2'], {
      UPREZ_API_TOKEN: 'tok-0123456789abcdef',
      UPREZ_PUBLISH_RATE_LIMIT: '5',
    });
    expect(cfg.publishKeys).toEqual(['cam1', 'cam2']);
    expect(cfg.apiToken).toBe('tok-0123456789abcdef');
    expect(cfg.publishRateLimit).toBe(5);
    expect(() => parseServeConfig([], { UPREZ_METRICS_TOKEN: 'has space in it!!' })).toThrow(/UPREZ_METRICS_TOKEN must be/);
    try {
      parseServeConfig([], { UPREZ_API_TOKEN: 'leak me' });
    } catch (err) {
      expect(String(err)).not.toContain('leak me');
    }
  });

  test('help names every flag and variable', () => {
    const help = serveHelp();
    for (const name of ['--rtmp-port', 'UPREZ_RTMP_PORT', '--http-port', '--data-dir', '--model', '--scale', '--latency-budget-ms']) {
      expect(help).toContain(name);
    }
  });
});

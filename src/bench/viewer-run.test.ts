import { describe, expect, test } from 'vitest';
import { fakeSnapshot } from '../../test/helpers/stream-snapshot.js';
import { parseServingLine } from './serve-process.js';
import { serveFlags, sideOrder } from './viewer-context.js';
import { parseApiStream, playlistSummary, warningMessages } from './viewer-run.js';

describe('reading the server', () => {
  test('the ports come from the "uprez serving" log line', () => {
    const line =
      '2026-12-06T05:00:00.000Z INFO  uprez serving rtmp=rtmp://127.0.0.1:40123/live/KEY player=http://127.0.0.1:40777/player dataDir=/tmp/x';
    expect(parseServingLine(line)).toEqual({ rtmpPort: 40123, httpPort: 40777 });
    expect(parseServingLine('INFO something else rtmp=rtmp://h:1/live')).toBeNull();
  });

  test('an /api/streams entry is read into the fields the benchmark needs', () => {
    const s = parseApiStream(
      JSON.parse(
        JSON.stringify(
          fakeSnapshot('k', { renditions: [{ name: '360p', width: 640, height: 360, bandwidth: 1, playlist: '/hls/k/360p/index.m3u8' }] }),
        ),
      ),
    );
    expect(s.frames).toEqual({ in: 120, out: 120, model: 108, bicubic: 12, byModel: { 'uprez-x2-fast': 100, 'uprez-x2-tiny': 8 } });
    expect(s).toMatchObject({ state: 'live', model: 'uprez-x2-fast', provider: 'cpu', input: { width: 320, height: 180, fps: 30 } });
    expect(s.aiPixelShare).toBe(fakeSnapshot('k').aiPixelShare);
    const { aiPixelShare: _, ...older } = JSON.parse(JSON.stringify(fakeSnapshot('k'))) as Record<string, unknown>;
    expect(parseApiStream(older).aiPixelShare).toBeNaN();
    expect(s.renditions).toEqual([{ width: 640, height: 360, playlist: '/hls/k/360p/index.m3u8' }]);
  });

  test('a malformed entry is refused with a code', () => {
    expect(() => parseApiStream({ state: 'live', frames: { in: 'x' } })).toThrow(expect.objectContaining({ code: 'BENCH_SERVER_FAILED' }));
    expect(() => parseApiStream(null)).toThrow(/frames.in/);
  });

  test("the server's warnings, reduced to distinct messages", () => {
    const lines = [
      '2026-12-06T05:00:00.000Z WARN  decoder idle while draining, stopping it stage=pipeline stream=k maxMs=120000',
      '2026-12-06T05:00:01.000Z INFO  ignored',
      '2026-12-06T05:00:02.000Z WARN  decoder idle while draining, stopping it stage=pipeline stream=k maxMs=120000',
      '2026-12-06T05:00:03.000Z ERROR encoder died stage=encoder',
      'a raw line without a level',
    ];
    expect(warningMessages(lines)).toEqual(['WARN: decoder idle while draining, stopping it', 'ERROR: encoder died']);
  });

  test('a media playlist: segments counted, ENDLIST seen', () => {
    const live = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nseg_00000.ts\n#EXTINF:2.000,\nseg_00001.ts\n';
    expect(playlistSummary(live)).toEqual({ segments: 2, endlist: false });
    expect(playlistSummary(`${live}#EXT-X-ENDLIST\n`)).toEqual({ segments: 2, endlist: true });
  });
});

describe('the two sides', () => {
  const server = {
    cli: '/b/main.js',
    model: undefined,
    fallbackModel: 'uprez-x2-tiny',
    provider: 'cpu' as const,
    workers: 2,
    hysteresis: true,
    x264Preset: 'veryfast' as const,
  };

  test('model and bicubic runs alternate which goes first', () => {
    expect([0, 1, 2, 3].map(sideOrder)).toEqual([
      ['model', 'bicubic'],
      ['bicubic', 'model'],
      ['model', 'bicubic'],
      ['bicubic', 'model'],
    ]);
  });

  test('the bicubic side differs only by --model none (and so no fallback model)', () => {
    const m = serveFlags(server, 'model');
    const b = serveFlags(server, 'bicubic');
    expect(m).toEqual([
      '--scale',
      '2',
      '--fallback-model',
      'uprez-x2-tiny',
      '--provider',
      'cpu',
      '--inference-workers',
      '2',
      '--hysteresis',
      'on',
      '--x264-preset',
      'veryfast',
    ]);
    expect(b).toEqual([
      '--scale',
      '2',
      '--model',
      'none',
      '--provider',
      'cpu',
      '--inference-workers',
      '2',
      '--hysteresis',
      'on',
      '--x264-preset',
      'veryfast',
    ]);
    expect(serveFlags({ ...server, model: 'none' }, 'model')).toEqual(b);
  });
});

/**
 * --denoise auto through the real server: a publisher starved of bits (40 kbit/s at 320x240, about
 * 0.02 bits per pixel) is moved to the heavy-compression member of the live model's family; a
 * generous one (x264 CRF 8, about 0.8 bits per pixel) keeps the clean model. Both at once on one
 * server, as /api/streams and /metrics show them.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';
import { startTestServer } from '../helpers/test-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Denoise {
  mode: string;
  level: number;
  wanted: number | null;
  model: string | null;
  bitsPerPixel: number | null;
  crfEquivalent: number | null;
  switches: number;
}
interface ApiStream {
  state: string;
  model: string | null;
  denoise: Denoise | null;
  frames: { in: number; out: number; byModel: Record<string, number> };
}

describe('--denoise auto (real ffmpeg, RTMP, HTTP)', () => {
  test('a low-bitrate publish switches to the compression-aware member; a high-bitrate one keeps the clean model', async () => {
    const s = await startTestServer(['--denoise', 'auto'], cleanups, 'uprez-denoise-');
    const url = (key: string) => `rtmp://127.0.0.1:${s.rtmpPort}/live/${key}`;
    const low = startPublisher({ url: url('low'), seconds: 14, width: 320, height: 240, fps: 25, audio: false, kbps: 40 });
    const high = startPublisher({ url: url('high'), seconds: 14, width: 320, height: 240, fps: 25, audio: false, crf: 8 });
    cleanups.push(
      () => low.kill(),
      () => high.kill(),
    );
    const api = (key: string) => `http://127.0.0.1:${s.httpPort}/api/streams/${key}`;
    const snap = async (key: string): Promise<ApiStream | null> => {
      const res = await fetch(api(key));
      return res.ok ? ((await res.json()) as ApiStream) : null;
    };
    // While live: the starved stream moves once a full window is measured.
    let lowLive: ApiStream | null = null;
    await waitUntil(
      async () => {
        lowLive = await snap('low');
        return lowLive?.denoise?.switches === 1;
      },
      30_000,
      'the low-bitrate stream to switch model',
    );
    const metrics = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^uprez_stream_denoise_level\{stream="low"\} 3$/m);
    expect(metrics).toMatch(/^uprez_stream_denoise_level\{stream="high"\} 0$/m);
    expect(metrics).toMatch(/^uprez_denoise_switches_total\{stream="low"\} 1$/m);
    expect(metrics).toMatch(/^uprez_ingest_bits_per_pixel\{stream="low"\} 0\.0[1-3]\d*$/m);
    expect(await low.done, low.stderr()).toBe(0);
    expect(await high.done, high.stderr()).toBe(0);
    const ended: Record<string, ApiStream> = {};
    await waitUntil(
      async () => {
        for (const key of ['low', 'high']) {
          const x = await snap(key);
          if (x && (x.state === 'ended' || x.state === 'failed')) ended[key] = x;
        }
        return Object.keys(ended).length === 2;
      },
      60_000,
      'both streams to end',
    );
    const l = ended['low'] as ApiStream;
    const h = ended['high'] as ApiStream;
    expect([l.state, h.state]).toEqual(['ended', 'ended']);
    // 0.02 bits per pixel is past CRF 30: level 3, heavy, which on video runs -d2 (it gains more on
    // the held-out clips at CRF 33 than -d3, trained for still pictures).
    expect(l.denoise).toMatchObject({ mode: 'auto', level: 3, wanted: 3, model: 'uprez-x2-fast-d2', switches: 1 });
    expect(l.denoise?.bitsPerPixel).toBeLessThan(0.03);
    expect(l.model).toBe('uprez-x2-fast-d2');
    expect(l.frames.byModel['uprez-x2-fast-d2'] ?? 0).toBeGreaterThan(0);
    // 0.8 bits per pixel is clean: level 0, the model it started with, never switched.
    expect(h.denoise).toMatchObject({ mode: 'auto', level: 0, wanted: 0, model: 'uprez-x2-fast', switches: 0 });
    expect(h.denoise?.bitsPerPixel).toBeGreaterThan(0.3);
    expect(h.frames.byModel['uprez-x2-fast-d2'] ?? 0).toBe(0);
    for (const x of [l, h]) expect(x.frames.out).toBe(x.frames.in);
  });

  test('--denoise 1 runs the light member from the start, reported as fixed', async () => {
    const s = await startTestServer(['--denoise', '1'], cleanups, 'uprez-denoise-');
    const pub = startPublisher({
      url: `rtmp://127.0.0.1:${s.rtmpPort}/live/fixed`,
      seconds: 3,
      width: 320,
      height: 240,
      fps: 25,
      audio: false,
    });
    cleanups.push(() => pub.kill());
    expect(await pub.done, pub.stderr()).toBe(0);
    let x: ApiStream | null = null;
    await waitUntil(
      async () => {
        const res = await fetch(`http://127.0.0.1:${s.httpPort}/api/streams/fixed`);
        x = res.ok ? ((await res.json()) as ApiStream) : null;
        return x?.state === 'ended';
      },
      60_000,
      'the stream to end',
    );
    const snap = x as unknown as ApiStream;
    expect(snap.model).toBe('uprez-x2-fast-d1');
    expect(snap.denoise).toMatchObject({ mode: 'fixed', level: 1, model: 'uprez-x2-fast-d1', switches: 0 });
  });
});

import { afterEach, describe, expect, test } from 'vitest';
import { signPublish } from '../../src/ingest/publish-auth.js';
import { meanColours, topVariantUrl } from '../helpers/hls-frames.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher, type PublishOptions } from '../helpers/publisher.js';
import { startTestServer, type Cleanup, type StartedServer } from '../helpers/test-server.js';

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SECRET = 'integration-secret-0123456789';

interface Snap {
  state: string;
  error: string | null;
  frames: { in: number; out: number };
}

function signedUrl(s: StartedServer, key: string): string {
  const q = signPublish(SECRET, key, Math.floor(Date.now() / 1000) + 600);
  return `rtmp://127.0.0.1:${s.rtmpPort}/live/${key}?exp=${q.exp}&sig=${q.sig}`;
}

function publish(o: PublishOptions) {
  const p = startPublisher(o);
  cleanups.push(() => p.kill());
  return p;
}

async function ended(s: StartedServer, key: string, ms = 90_000): Promise<Snap> {
  let snap: Snap | undefined;
  await waitUntil(
    async () => {
      const res = await fetch(`http://127.0.0.1:${s.httpPort}/api/streams/${key}`);
      if (!res.ok) return false;
      snap = (await res.json()) as Snap;
      return snap.state === 'ended' || snap.state === 'failed';
    },
    ms,
    `stream ${key} to end`,
  );
  return snap as Snap;
}

async function topRungColours(s: StartedServer, key: string): Promise<[number, number, number][]> {
  const masterUrl = `http://127.0.0.1:${s.httpPort}/hls/${key}/master.m3u8`;
  const master = await (await fetch(masterUrl)).text();
  return meanColours(topVariantUrl(masterUrl, master));
}

const isRed = ([r, g, b]: [number, number, number]) => r > 150 && g < 100 && b < 100;
const isBlue = ([r, g, b]: [number, number, number]) => b > 150 && r < 100 && g < 100;

describe('ingest integrity against the real server (issue 11)', () => {
  test('a refused publisher never reaches a live stream: zero intruder frames in the ladder, the owner complete; no key squatting', async () => {
    const s = await startTestServer(['--publish-secret', SECRET, '--model', 'none', '--reconnect-window-s', '0'], cleanups);
    // Someone unsigned grabs cam6 first; the signed owner must still get it.
    const squatter = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/cam6`, seconds: 3, video: 'color=c=red', audio: false });
    expect(await squatter.done).not.toBe(0);
    expect(squatter.stderr()).toContain('signed publish URLs');

    const owner = publish({ url: signedUrl(s, 'cam5'), seconds: 8, fps: 25, video: 'color=c=blue', audio: false });
    const owner6 = publish({ url: signedUrl(s, 'cam6'), seconds: 4, fps: 25, video: 'color=c=blue', audio: false });
    await new Promise((r) => setTimeout(r, 3_000));
    const intruder = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/cam5`, seconds: 4, fps: 25, video: 'color=c=red', audio: false });
    expect(await intruder.done).not.toBe(0);
    expect(intruder.stderr()).toContain('signed publish URLs');
    expect(await owner.done).toBe(0);
    expect(await owner6.done).toBe(0);

    const snap5 = await ended(s, 'cam5');
    const snap6 = await ended(s, 'cam6');
    expect([snap5.state, snap5.error, snap6.state, snap6.error]).toEqual(['ended', null, 'ended', null]);
    expect(snap5.frames.out).toBe(200);
    expect(snap6.frames.out).toBe(100);
    const colours = await topRungColours(s, 'cam5');
    expect(colours.filter(isRed)).toHaveLength(0);
    expect(colours.filter(isBlue)).toHaveLength(200);
  });

  test('without a secret the second publisher is refused as duplicate and none of its frames reach the stream', async () => {
    const s = await startTestServer(['--model', 'none', '--reconnect-window-s', '0'], cleanups);
    const owner = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/dup`, seconds: 6, fps: 25, video: 'color=c=blue', audio: false });
    await new Promise((r) => setTimeout(r, 2_000));
    const second = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/dup`, seconds: 3, fps: 25, video: 'color=c=red', audio: false });
    expect(await second.done).not.toBe(0);
    expect(second.stderr()).toContain('already being published');
    expect(await owner.done).toBe(0);
    const snap = await ended(s, 'dup');
    expect(snap.frames.out).toBe(150);
    const colours = await topRungColours(s, 'dup');
    expect(colours.filter(isRed)).toHaveLength(0);
    expect(colours).toHaveLength(150);
  });

  test('a 3 s publish of 1920x1080 at 5 fps, shorter than the model warm-up: all 15 frames come out', async () => {
    const s = await startTestServer(['--inference-workers', '1'], cleanups);
    const p = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/short`, seconds: 3, width: 1920, height: 1080, fps: 5 });
    expect(await p.done).toBe(0);
    const snap = await ended(s, 'short', 120_000);
    expect([snap.state, snap.error]).toEqual(['ended', null]);
    expect(snap.frames).toMatchObject({ in: 15, out: 15 });
    const media = await (
      await fetch(
        topVariantUrl(
          `http://127.0.0.1:${s.httpPort}/hls/short/master.m3u8`,
          await (await fetch(`http://127.0.0.1:${s.httpPort}/hls/short/master.m3u8`)).text(),
        ),
      )
    ).text();
    expect(media).not.toContain('#EXT-X-TARGETDURATION:0');
    expect(media).toContain('#EXT-X-ENDLIST');
  });

  test('six publishes at once, 3 s each: every frame of every one comes out', async () => {
    const s = await startTestServer(['--model', 'none'], cleanups);
    const keys = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const pubs = keys.map((k) => publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/${k}`, seconds: 3, fps: 25 }));
    expect(await Promise.all(pubs.map((p) => p.done))).toEqual([0, 0, 0, 0, 0, 0]);
    const snaps = await Promise.all(keys.map((k) => ended(s, k)));
    // 75 sent each; the decoder keeps a constant rate as long as the audio lasts, which can add one duplicate.
    for (const x of snaps) {
      expect([x.state, x.error]).toEqual(['ended', null]);
      expect(x.frames.out).toBe(x.frames.in);
      expect(x.frames.in).toBeGreaterThanOrEqual(75);
      expect(x.frames.in).toBeLessThanOrEqual(76);
    }
  });

  test('metrics: every per-stream counter exists at 0 while a stream is live, before any increase', async () => {
    const s = await startTestServer(['--model', 'none'], cleanups);
    const p = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/fresh`, seconds: 6, fps: 25 });
    let text = '';
    await waitUntil(
      async () => {
        text = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
        return text.includes('uprez_hls_segments_total{stream="fresh"');
      },
      30_000,
      'the stream to start',
    );
    for (const line of [
      'uprez_deadline_misses_total{stream="fresh"} 0',
      'uprez_fallback_frames_total{stream="fresh",reason="predicted_late"} 0',
      'uprez_fallback_frames_total{stream="fresh",reason="model_error"} 0',
      'uprez_frames_total{stream="fresh",path="model"} 0',
      'uprez_frames_lost_total{stream="fresh",reason="decoder_restart"} 0',
      'uprez_process_restarts_total{stream="fresh",process="decoder"} 0',
    ]) {
      expect(text).toContain(line);
    }
    expect(await p.done).toBe(0);
  });

  test('an audio-only publish is refused promptly with a reason the client shows', async () => {
    const s = await startTestServer(['--model', 'none'], cleanups);
    const t0 = Date.now();
    const p = publish({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/radio`, seconds: 20, video: 'none', audio: true });
    expect(await p.done).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(p.stderr()).toContain('no video: uprez needs a video track');
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { checkMaster, checkMediaPlaylist, type VariantFacts } from '../helpers/hls-checks.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher, type PublishOptions } from '../helpers/publisher.js';
import { startTestServer, type StartedServer } from '../helpers/test-server.js';

// The HLS a viewer gets from the real server (real ffmpeg, RTMP, HTTP), in both modes: hls-parser
// in strict mode and our own MUST checks (test/helpers/hls-checks.ts) on live and ended streams,
// URIs unique per publish with the caching that allows, DISCONTINUITY-SEQUENCE after a reconnect
// once the tag left the window, and BANDWIDTH at least the measured peak, also at 1 fps.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Mode = 'll' | 'classic';

function publish(s: StartedServer, key: string, o: Omit<PublishOptions, 'url'>) {
  const pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/${key}`, ...o });
  cleanups.push(() => pub.kill());
  return pub;
}

async function state(s: StartedServer, key: string): Promise<string | null> {
  const res = await fetch(`http://127.0.0.1:${s.httpPort}/api/streams/${key}`);
  return res.ok ? ((await res.json()) as { state: string }).state : null;
}

function segmentCount(dir: string, rung: string): number {
  try {
    return (readFileSync(path.join(dir, rung, 'index.m3u8'), 'utf8').match(/#EXTINF/g) ?? []).length;
  } catch {
    return 0;
  }
}

function mediaNames(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.(?:ts|m4s|mp4)$/.test(f))
    .map((f) => path.basename(f));
}

function ratios(facts: VariantFacts[]): string {
  return facts
    .map(
      (f) =>
        `${f.uri}: BANDWIDTH ${f.bandwidth} / measured peak ${f.measuredPeak} = ${(f.bandwidth / Math.max(1, f.measuredPeak)).toFixed(2)}`,
    )
    .join('; ');
}

describe.each<Mode>(['ll', 'classic'])('--hls-mode %s', (mode) => {
  test('live and ended playlists pass the strict parser and the MUST checks; a second publish of the key uses new URIs; caching fits', async () => {
    const s = await startTestServer(['--model', 'none', '--hls-mode', mode], cleanups, 'uprez-hls-');
    const dir = path.join(s.dataDir, 'hls', 'cam1');
    const base = `http://127.0.0.1:${s.httpPort}/hls/cam1`;
    const first = publish(s, 'cam1', { seconds: 9, width: 320, height: 180, fps: 25 });
    await waitUntil(() => segmentCount(dir, '360p') >= 2 && segmentCount(dir, '180p') >= 2, 45_000, 'two segments in each rung');

    // Live.
    const live = checkMaster(dir, { audio: true });
    expect(live.map((v) => v.media.playlist.endlist)).toEqual([false, false]);
    expect(live.map((v) => v.codecs)).toEqual(['avc1.64001e,mp4a.40.2', 'avc1.64000c,mp4a.40.2']);
    if (mode === 'll') for (const v of live) expect(v.media.partTarget).toBeCloseTo(0.24, 9);
    console.log(`${mode} live: ${ratios(live)}`);

    // Over HTTP: playlists are revalidated, run-unique media cached for good, ffmpeg's private playlist never served.
    const master = await fetch(`${base}/master.m3u8`);
    expect(master.headers.get('cache-control')).toBe('no-cache');
    const media = await fetch(`${base}/360p/index.m3u8`);
    expect(media.headers.get('cache-control')).toBe('no-cache');
    const seg = live[0]?.media.segments[0]?.uri as string;
    const segRes = await fetch(`${base}/360p/${seg}`);
    expect(segRes.status).toBe(200);
    expect(segRes.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    await segRes.arrayBuffer();
    expect((await fetch(`${base}/360p/ffmpeg.m3u8.private`)).status).toBe(404);

    expect(await first.done).toBe(0);
    await waitUntil(async () => (await state(s, 'cam1')) === 'ended', 60_000, 'the stream to end');
    const ended = checkMaster(dir, { audio: true });
    expect(ended.map((v) => v.media.playlist.endlist)).toEqual([true, true]);
    for (const v of ended) expect(v.averageBandwidth ?? 0).toBeLessThanOrEqual(v.bandwidth);
    console.log(`${mode} ended: ${ratios(ended)}`);
    const firstNames = mediaNames(dir);

    // The same key again: a new run, none of its media URIs seen before.
    const second = publish(s, 'cam1', { seconds: 5, width: 320, height: 180, fps: 25 });
    const fresh = (rung: string): boolean => {
      try {
        return readFileSync(path.join(dir, rung, 'index.m3u8'), 'utf8')
          .split('\n')
          .some((l) => l && !l.startsWith('#') && !firstNames.includes(l));
      } catch {
        return false;
      }
    };
    await waitUntil(() => fresh('360p') && fresh('180p') && segmentCount(dir, '360p') >= 1, 45_000, "the second run's first segment");
    const again = checkMaster(dir, { audio: true });
    const secondUris = again.flatMap((v) => v.media.segments.map((x) => x.uri));
    expect(secondUris.filter((u) => firstNames.includes(u))).toEqual([]);
    second.kill();
  });

  test('after a reconnect, once the DISCONTINUITY left the window, DISCONTINUITY-SEQUENCE counts it (RFC 8216 6.2.2)', async () => {
    const s = await startTestServer(
      ['--model', 'none', '--hls-mode', mode, '--hls-list-size', '3', '--reconnect-window-s', '30'],
      cleanups,
      'uprez-hls-',
    );
    const dir = path.join(s.dataDir, 'hls', 'cam2');
    const first = publish(s, 'cam2', { seconds: 30, width: 320, height: 180, fps: 25 });
    await waitUntil(() => segmentCount(dir, '360p') >= 2, 45_000, 'two segments');
    first.kill(); // a dropped connection: the stream waits for the publisher
    await waitUntil(async () => (await state(s, 'cam2')) === 'reconnecting', 30_000, 'the stream to wait for a reconnect');
    const before = checkMediaPlaylist(readFileSync(path.join(dir, '360p', 'index.m3u8'), 'utf8'), path.join(dir, '360p'));
    const lastMsn = before.segments.at(-1)?.msn as number;
    publish(s, 'cam2', { seconds: 30, width: 320, height: 180, fps: 25 });
    // While the tag is listed: DISCONTINUITY on the first new segment.
    await waitUntil(
      () => /#EXT-X-DISCONTINUITY\n/.test(readFileSync(path.join(dir, '360p', 'index.m3u8'), 'utf8')),
      45_000,
      'the discontinuity',
    );
    // Then 4 more segments: the window of 3 no longer has the tag.
    await waitUntil(
      () => {
        const text = readFileSync(path.join(dir, '360p', 'index.m3u8'), 'utf8');
        return !/#EXT-X-DISCONTINUITY\n/.test(text) && Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]) > lastMsn + 1;
      },
      60_000,
      'the discontinuity to leave the window',
    );
    for (const v of checkMaster(dir, { audio: true })) {
      const text = readFileSync(path.join(dir, v.uri), 'utf8');
      expect(text, v.uri).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
      expect(v.media.segments.every((x) => x.msn > lastMsn + 1)).toBe(true);
      expect(v.media.playlist.segments.every((x) => x.discontinuitySequence === 1)).toBe(true);
      // Numbering went on across the reconnect.
      expect(v.media.segments.map((x) => x.msn)).toEqual(v.media.segments.map((_, i) => (v.media.segments[0]?.msn as number) + i));
    }
  });

  test('at 1 fps every rung declares BANDWIDTH of at least its measured peak, and the rungs differ', async () => {
    const s = await startTestServer(['--model', 'none', '--hls-mode', mode], cleanups, 'uprez-hls-');
    const dir = path.join(s.dataDir, 'hls', 'slow1');
    const pub = publish(s, 'slow1', { seconds: 14, width: 320, height: 180, fps: 1 });
    expect(await pub.done).toBe(0);
    await waitUntil(async () => (await state(s, 'slow1')) === 'ended', 60_000, 'the stream to end');
    const facts = checkMaster(dir, { audio: true });
    console.log(`${mode} 1 fps: ${ratios(facts)}`);
    expect(facts[0]?.media.segments.length).toBeGreaterThanOrEqual(4);
    expect(facts[0]?.bandwidth).toBeGreaterThan(facts[1]?.bandwidth as number);
    for (const f of facts) expect(f.measuredPeak).toBeGreaterThan(0);
  });
});

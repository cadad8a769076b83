import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readPosition } from '../../src/hls/playlist-position.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher, type Publisher } from '../helpers/publisher.js';
import { startTestServer, type Cleanup, type StartedServer } from '../helpers/test-server.js';

// Blocking playlist reload and preload hints (RFC 8216bis 6.2.5.2, 6.2.6) against the real server
// streaming LL-HLS from a real publish: answered as soon as the part exists, refused when asked
// too far ahead or malformed, 503 after three target durations when nothing comes.

const cleanups: Cleanup[] = [];
let s: StartedServer;
let pub: Publisher;
let base: string;
let dir: string;

beforeAll(async () => {
  s = await startTestServer(['--model', 'none', '--reconnect-window-s', '60'], cleanups, 'uprez-llb-');
  base = `http://127.0.0.1:${s.httpPort}/hls/ll2/360p/index.m3u8`;
  dir = path.join(s.dataDir, 'hls', 'll2', '360p');
  pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/ll2`, seconds: 60, width: 320, height: 180, fps: 25 });
  cleanups.push(() => pub.kill());
  await waitUntil(
    async () => {
      try {
        return readPosition(readFileSync(path.join(dir, 'index.m3u8'), 'utf8')).lastSegment >= 1;
      } catch {
        return false;
      }
    },
    45_000,
    'two segments',
  );
}, 90_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** next is the (msn, part) after the last part of the playlist text. */
function next(text: string): { msn: number; part: number; hint: string } {
  const p = readPosition(text);
  const pending = p.lastSegment + 1;
  const parts = p.parts.get(pending) ?? 0;
  return { msn: pending, part: parts, hint: p.preloadHint as string };
}

describe('blocking playlist reload', () => {
  test('the next part is answered within a part duration of the part appearing, for ten parts in a row', async () => {
    let text = await (await fetch(base)).text();
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { msn, part, hint } = next(text);
      const res = await fetch(`${base}?_HLS_msn=${msn}&_HLS_part=${part}`);
      const answered = Date.now();
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      text = await res.text();
      // The answer lists the part asked for (or part 0 of the next segment: RFC 8216bis 6.2.5.2).
      expect(text).toContain(`URI="${hint}"`);
      // The part's file was written (then renamed in) just before the playlist listed it.
      lags.push(answered - statSync(path.join(dir, hint)).mtimeMs);
    }
    const partTarget = readPosition(text).partTarget as number;
    console.log(
      `blocking reload answered ${lags.map((l) => l.toFixed(0)).join(', ')} ms after the part was written (PART-TARGET ${partTarget * 1000} ms)`,
    );
    expect(Math.max(...lags)).toBeLessThanOrEqual(partTarget * 1000);
  });

  test('the hinted part, asked for before it exists, is sent once it does', async () => {
    const { hint } = next(await (await fetch(base)).text());
    const res = await fetch(`${base.replace('index.m3u8', hint)}`);
    const answered = Date.now();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/iso.segment');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(readFileSync(path.join(dir, hint)))).toBe(true);
    expect(answered - statSync(path.join(dir, hint)).mtimeMs).toBeLessThan(500);
  });

  test.each([
    ['_HLS_part without _HLS_msn', '?_HLS_part=1', 'HLS_BAD_DIRECTIVE'],
    ['a negative msn', '?_HLS_msn=-1', 'HLS_BAD_DIRECTIVE'],
    ['a non-numeric part', '?_HLS_msn=1&_HLS_part=x', 'HLS_BAD_DIRECTIVE'],
    ['msn given twice', '?_HLS_msn=1&_HLS_msn=2', 'HLS_BAD_DIRECTIVE'],
  ])('%s: 400 at once', async (_n, query, code) => {
    const t0 = Date.now();
    const res = await fetch(base + query);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('a segment more than two past the last, or a part beyond the Advance Part Limit: 400 at once', async () => {
    const p = readPosition(await (await fetch(base)).text());
    for (const q of [`?_HLS_msn=${p.lastSegment + 3}`, `?_HLS_msn=${p.lastSegment + 2}&_HLS_part=20`]) {
      const t0 = Date.now();
      const res = await fetch(base + q);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('HLS_TOO_FAR_AHEAD');
      expect(Date.now() - t0).toBeLessThan(1000);
    }
  });

  test('when no part comes (the publisher dropped), the request gets 503 after three target durations; a shutdown then ends the playlist', async () => {
    pub.kill();
    // The stream waits for its publisher to come back; its playlists stay open and stop growing.
    await waitUntil(
      async () =>
        ((await (await fetch(`http://127.0.0.1:${s.httpPort}/api/streams/ll2`)).json()) as { state: string }).state === 'reconnecting',
      30_000,
      'the stream to wait for its publisher',
    );
    const text = await (await fetch(base)).text();
    const p = readPosition(text);
    expect(p.ended).toBe(false);
    const { msn, part } = next(text);
    const t0 = Date.now();
    const res = await fetch(`${base}?_HLS_msn=${msn}&_HLS_part=${part}`);
    const waited = (Date.now() - t0) / 1000;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('HLS_NOT_YET');
    expect(waited).toBeGreaterThanOrEqual(3 * p.targetDuration - 0.1);
    expect(waited).toBeLessThan(3 * p.targetDuration + 2);

    await s.server.close(); // ends the stream: ENDLIST
    const ended = readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
    expect(readPosition(ended).ended).toBe(true);
  });
});

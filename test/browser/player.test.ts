import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../src/http/http-server.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { StreamDirectory, StreamSnapshot } from '../../src/stream/stream-snapshot.js';
import { fakeSnapshot } from '../helpers/stream-snapshot.js';

const CHROMIUM = process.env['UPREZ_CHROMIUM'] ?? '/usr/bin/chromium';
const FFMPEG = process.env['UPREZ_FFMPEG'] ?? '/usr/bin/ffmpeg';

function snapshot(key: string): StreamSnapshot {
  return fakeSnapshot(key, { startedAt: Date.now(), model: 'espcn-x2' });
}

const streams: StreamDirectory = {
  list: () => [snapshot('abc'), snapshot('silent')],
  get: (key) => (key === 'abc' || key === 'silent' ? snapshot(key) : undefined),
};

/** writeHls encodes a 4 s two-rung test ladder (640x360 + 320x180) as HLS into `dir`. */
async function writeHls(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await promisify(execFile)(
    FFMPEG,
    [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=30',
      '-t',
      '4',
      '-filter_complex',
      '[0:v]split=2[a][b];[b]scale=320:180[b2]',
      '-map',
      '[a]',
      '-map',
      '[b2]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '30',
      '-pix_fmt',
      'yuv420p',
      '-b:v:0',
      '800k',
      '-b:v:1',
      '300k',
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_playlist_type',
      'vod',
      '-hls_segment_filename',
      '%v/seg_%03d.ts',
      '-master_pl_name',
      'master.m3u8',
      '-var_stream_map',
      'v:0,name:360p v:1,name:180p',
      '%v/index.m3u8',
    ],
    { cwd: dir },
  );
}

/** video reads a number from the page's <video> (typed by hand: this file compiles without the DOM lib). */
function video(page: Page, prop: 'currentTime' | 'videoHeight'): Promise<number> {
  return page.locator('#video').evaluate((v, p) => (v as unknown as Record<string, number>)[p] ?? NaN, prop);
}

describe('player page in headless Chromium', () => {
  let root: string;
  let server: HttpServer;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; set UPREZ_CHROMIUM`);
    root = await mkdtemp(path.join(os.tmpdir(), 'uprez-player-'));
    await writeHls(path.join(root, 'abc'));
    server = new HttpServer({
      hlsRoot: root,
      streams,
      metrics: createMetrics({ collectDefault: false }),
      readiness: () => ({ ready: true }),
      log: silentLogger,
    });
    base = `http://127.0.0.1:${await server.start(0, '127.0.0.1')}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--autoplay-policy=no-user-gesture-required'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** open loads the player, recording console errors, uncaught errors and CSP violations. */
  async function open(query: string): Promise<{ page: Page; problems: string[]; requested: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`http ${r.status()}: ${new URL(r.url()).pathname}`);
    });
    // Browser-side code as strings: this file is type-checked without the DOM lib.
    await page.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));",
    });
    await page.goto(`${base}/player${query}`);
    return { page, problems, requested };
  }

  it('plays the preselected stream with hls.js, lists renditions and shows upscale stats', async () => {
    const { page, problems, requested } = await open('?stream=abc');
    try {
      await page.locator('#stream-list button[data-key="abc"][aria-current="true"]').waitFor();
      await expect.poll(() => video(page, 'currentTime'), { timeout: 20_000 }).toBeGreaterThan(0.5);
      expect(await page.locator('#player-status').textContent()).toBe('Playing');
      expect(await page.locator('#player-error').isHidden()).toBe(true);

      const options = await page.locator('#rendition option').allTextContents();
      expect(options).toHaveLength(3);
      expect(options[0]).toMatch(/^Auto/);
      expect(options.slice(1).join('|')).toMatch(/360p · 640×360 · .* Mbps · AI/);
      expect(options.slice(1).join('|')).toMatch(/180p · 320×180/);

      await page.locator('#stats').waitFor();
      expect(await page.locator('#stat-ai').textContent()).toContain('90%');
      expect(await page.locator('#stat-fallbacks').textContent()).toBe('predicted late 8 · queue full 4');
      expect(await page.locator('#stat-latency').textContent()).toContain('p99 48 ms');
      expect(await page.locator('#stat-provider').textContent()).toBe('CPU');

      // Pick the small rung by hand: the video switches to 180 lines.
      const small = await page.locator('#rendition option', { hasText: '320×180' }).getAttribute('value');
      await page.locator('#rendition').selectOption(small ?? '');
      await expect.poll(() => video(page, 'videoHeight'), { timeout: 20_000 }).toBe(180);

      // hls.js demuxed in its worker (served from the vendored package), not inline.
      expect(requested).toContain('/player/vendor/hls.worker.js');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('with an API token configured: says how to give it, then takes it from #token= and keeps it out of the address', async () => {
    const guarded = new HttpServer({
      hlsRoot: root,
      streams,
      metrics: createMetrics({ collectDefault: false }),
      readiness: () => ({ ready: true }),
      log: silentLogger,
      apiToken: 'browser-test-token-123',
    });
    const guardedBase = `http://127.0.0.1:${await guarded.start(0, '127.0.0.1')}`;
    const page = await browser.newPage();
    try {
      await page.goto(`${guardedBase}/player`);
      await page.locator('#streams-status').filter({ hasText: 'needs a token' }).waitFor({ timeout: 20_000 });
      expect(await page.locator('#streams-status').textContent()).toContain('#token=YOUR_TOKEN');

      await page.goto(`${guardedBase}/player?stream=abc#token=browser-test-token-123`);
      await page.locator('#stream-list button[data-key="abc"]').waitFor({ timeout: 20_000 });
      expect(page.url()).not.toContain('token');
      // Kept for the tab's session: a reload without the fragment still loads the list.
      await page.reload();
      await page.locator('#stream-list button[data-key="abc"]').waitFor({ timeout: 20_000 });
    } finally {
      await page.close();
      await guarded.close();
    }
  });

  it('shows a stream without HLS output as stopped and reconnecting, not silently black', async () => {
    const { page } = await open('?stream=silent');
    try {
      await page.locator('#player-error').filter({ hasText: 'Playback stopped' }).waitFor({ timeout: 20_000 });
      expect(await page.locator('#player-error').textContent()).toMatch(/networkError: manifestLoadError \(HTTP 404\)/);
      await page.locator('#player-status').filter({ hasText: 'Reconnecting' }).waitFor();
    } finally {
      await page.close();
    }
  });
});

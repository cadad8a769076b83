// Viewers on the origin: uprez serve in process with --hls-origin pointed at a real nginx WebDAV
// origin (Debian's nginx, started here on a loopback port), a real ffmpeg publishing over RTMP,
// and hls.js in headless Chromium on a page of the origin itself, playing the stream from the
// origin alone (uprez's own HTTP is never asked).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { NGINX_BIN, type NginxOrigin, startNginxOrigin } from '../helpers/nginx-origin.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher, type Publisher } from '../helpers/publisher.js';

const CHROMIUM = process.env['UPREZ_CHROMIUM'] ?? '/usr/bin/chromium';
const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
const KEY = 'origin1';

test.skipIf(NGINX_BIN !== null)(
  'nginx is not installed: the origin player test needs it (scripts/setup.sh installs nginx-light)',
  () => {},
);

/**
 * Browser-side: play `src` with hls.js (window.Hls) for `seconds`, after it starts. As ordinary
 * HLS (lowLatencyMode off): a plain WebDAV origin has no blocking playlist reload, and hls.js in
 * low-latency mode against it stalled once in 10 s in one run of four here (README, LL-HLS).
 */
const PLAY = `async ({ src, seconds }) => {
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const hls = new Hls({ lowLatencyMode: false });
  const errors = [];
  hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) errors.push(d.type + ':' + d.details); });
  let stalls = 0, playing = false;
  video.addEventListener('playing', () => { playing = true; });
  video.addEventListener('waiting', () => { if (playing) stalls++; });
  hls.loadSource(src);
  hls.attachMedia(video);
  await video.play().catch(() => undefined);
  const t0 = Date.now();
  while (video.currentTime < 0.5 && Date.now() - t0 < 30000 && !errors.length) await new Promise((r) => setTimeout(r, 100));
  stalls = 0;
  const c0 = video.currentTime, w0 = Date.now();
  while (Date.now() - w0 < seconds * 1000 && !errors.length) await new Promise((r) => setTimeout(r, 250));
  const result = { errors, stalls, played: video.currentTime - c0, wall: (Date.now() - w0) / 1000, height: video.videoHeight, levels: hls.levels.length };
  hls.destroy();
  return result;
}`;

describe.runIf(NGINX_BIN !== null)('hls.js plays a live stream from the origin alone (nginx WebDAV, --hls-origin)', () => {
  let origin: NginxOrigin;
  let dataDir: string;
  let server: UprezServer;
  let publisher: Publisher | undefined;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; set UPREZ_CHROMIUM (scripts/setup.sh installs it)`);
    origin = await startNginxOrigin();
    // A same-origin page to play in (nginx serves its root; the player's script is injected).
    await writeFile(path.join(path.dirname(origin.root), 'blank.txt'), 'origin\n');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'uprez-origin-player-'));
    const config = parseServeConfig(
      ['--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--model', 'none', '--hls-origin', origin.url],
      {},
    );
    server = new UprezServer(config, { log: silentLogger, shutdownGraceMs: 5_000 });
    const { rtmpPort } = await server.start();
    publisher = startPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${KEY}`, seconds: 90, width: 320, height: 180, fps: 25 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    await waitUntil(
      async () => {
        const r = await fetch(`${origin.url}${KEY}/master.m3u8`).catch(() => null);
        return r?.status === 200;
      },
      60_000,
      'the master playlist at the origin',
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    publisher?.kill();
    await server?.close();
    await origin?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("plays 10 s in real time at the top rung's size, without a fatal error or stall", async () => {
    const page = await browser.newPage();
    try {
      const before = (await origin.accessLog()).length; // the wait for the master's 404s come before
      await page.goto(`http://127.0.0.1:${origin.port}/blank.txt`);
      await page.addScriptTag({ path: HLS_JS });
      const r = (await page.evaluate(`(${PLAY})(${JSON.stringify({ src: `/hls/${KEY}/master.m3u8`, seconds: 10 })})`)) as {
        errors: string[];
        stalls: number;
        played: number;
        wall: number;
        height: number;
        levels: number;
      };
      const summary = JSON.stringify(r);
      expect(r.errors, summary).toEqual([]);
      expect(r.levels, summary).toBe(2);
      expect(r.height, summary).toBeGreaterThan(0);
      expect(r.played, summary).toBeGreaterThan(r.wall - 2);
      expect(r.stalls, summary).toBe(0);
      // Every request the player made went to the origin; uprez's HTTP was never involved.
      const gets = (await origin.accessLog()).slice(before).filter((l) => l.startsWith(`GET /hls/${KEY}/`));
      expect(gets.length, 'the player read the origin').toBeGreaterThan(5);
      expect(
        gets.filter((l) => !/ (200|304)$/.test(l)),
        'answers other than 200 or 304 from the origin',
      ).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);
});

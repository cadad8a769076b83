// Benchmark, on demand only (UPREZ_HLS_BENCH=1 npx vitest run test/browser/hls-latency.bench.test.ts):
// publisher-to-viewer delay with hls.js (the player's own settings), LL-HLS beside classic HLS,
// runs alternating in one process so both see the same machine. Each run: uprez serve at its
// defaults (the shipped model) but --hls-mode, a real-time 320x180 25 fps publish, hls.js in
// headless Chromium; once playback has settled (at most 20 s), the wall clock minus the
// PROGRAM-DATE-TIME of the frame on screen every 0.5 s for 30 s. Prints a Markdown table and
// writes test-artifacts/hls-latency.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';

const CHROMIUM = process.env['UPREZ_CHROMIUM'] ?? '/usr/bin/chromium';
const RUNS = Number(process.env['UPREZ_HLS_BENCH_RUNS'] ?? 2);

const MEASURE = `async ({ src, seconds, settle }) => {
  const { default: Hls } = await import('/player/vendor/hls.mjs');
  const { PLAYER_HLS_CONFIG, joinLive } = await import('/player/hls-config.js');
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const hls = new Hls({ ...PLAYER_HLS_CONFIG });
  joinLive(hls, video);
  let playing = false, stalls = 0;
  video.addEventListener('playing', () => { playing = true; });
  video.addEventListener('waiting', () => { if (playing) stalls++; });
  hls.loadSource(src);
  hls.attachMedia(video);
  await video.play().catch(() => undefined);
  const t0 = Date.now();
  while (!playing && Date.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 100));
  const startup = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  while (Date.now() - t1 < settle * 1000 && !(hls.latency > 0 && hls.latency <= hls.targetLatency + 0.3)) await new Promise((r) => setTimeout(r, 250));
  stalls = 0;
  const delays = [];
  const start = Date.now();
  while (Date.now() - start < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 500));
    const d = hls.playingDate;
    if (d) delays.push((Date.now() - d.getTime()) / 1000);
  }
  const r = { startup, delays, stalls, targetLatency: hls.targetLatency };
  hls.destroy();
  return r;
}`;

interface Run {
  mode: string;
  median: number;
  p90: number;
  max: number;
  stalls: number;
  startup: number;
  aiShare: number;
  stageP50: number;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] ?? Number.NaN;
}

async function once(mode: 'll' | 'classic'): Promise<Run> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'uprez-bench-hls-'));
  const server = new UprezServer(
    parseServeConfig(['--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--hls-mode', mode], {}),
    { log: silentLogger, shutdownGraceMs: 5_000 },
  );
  const browser = await chromium.launch({
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
  const { rtmpPort, httpPort } = await server.start();
  const base = `http://127.0.0.1:${httpPort}`;
  const pub = startPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live/bench`, seconds: 120, width: 320, height: 180, fps: 25 });
  try {
    await waitUntil(
      async () => {
        const res = await fetch(`${base}/api/streams/bench`);
        return res.ok && ((await res.json()) as { renditions: unknown[] }).renditions.length === 2;
      },
      60_000,
      'the stream',
    );
    const page = await browser.newPage();
    await page.goto(`${base}/api/streams`);
    const r = (await page.evaluate(
      `(${MEASURE})(${JSON.stringify({ src: `${base}/hls/bench/master.m3u8`, seconds: 30, settle: 20 })})`,
    )) as { startup: number; delays: number[]; stalls: number };
    const snap = (await (await fetch(`${base}/api/streams/bench`)).json()) as { aiShare: number; latencyMs: { p50: number } };
    expect(r.delays.length).toBeGreaterThan(50);
    return {
      mode,
      median: quantile(r.delays, 0.5),
      p90: quantile(r.delays, 0.9),
      max: Math.max(...r.delays),
      stalls: r.stalls,
      startup: r.startup,
      aiShare: snap.aiShare,
      stageP50: snap.latencyMs.p50,
    };
  } finally {
    pub.kill();
    await browser.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe.runIf(process.env['UPREZ_HLS_BENCH'] === '1')('benchmark: publisher-to-viewer delay with hls.js, LL-HLS vs classic', () => {
  test(
    'alternating runs, medians side by side',
    async () => {
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) for (const mode of ['ll', 'classic'] as const) runs.push(await once(mode));
      const rows = runs.map(
        (r) =>
          `| ${r.mode} | ${r.median.toFixed(2)} | ${r.p90.toFixed(2)} | ${r.max.toFixed(2)} | ${r.stalls} | ${r.startup.toFixed(1)} | ${(100 * r.aiShare).toFixed(1)} % | ${r.stageP50.toFixed(0)} |`,
      );
      const med = (mode: string) =>
        quantile(
          runs.filter((r) => r.mode === mode).map((r) => r.median),
          0.5,
        );
      console.log(
        [
          '| mode | delay median (s) | p90 | max | stalls | startup (s) | AI share | stage p50 (ms) |',
          '|---|---|---|---|---|---|---|---|',
          ...rows,
        ].join('\n'),
      );
      console.log(
        `median of run medians: ll ${med('ll').toFixed(2)} s, classic ${med('classic').toFixed(2)} s, ratio ${(med('classic') / med('ll')).toFixed(1)}x`,
      );
      mkdirSync('test-artifacts', { recursive: true });
      writeFileSync(
        path.join('test-artifacts', 'hls-latency.json'),
        JSON.stringify({ at: new Date().toISOString(), load: os.loadavg(), runs }, null, 2),
      );
    },
    30 * 60_000,
  );
});

import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { createOriginMetrics } from '../../src/origin/origin-metrics.js';
import { OriginPublisher } from '../../src/origin/origin-publisher.js';
import { NGINX_BIN, type NginxOrigin, startNginxOrigin } from '../helpers/nginx-origin.js';
import { OriginPoller, orderViolations } from '../helpers/origin-poller.js';
import { SimHlsWriter } from '../helpers/sim-hls-writer.js';

const RENDITIONS = ['720p', '360p'];
const PLAYLISTS = ['master.m3u8', ...RENDITIONS.map((r) => `${r}/index.m3u8`)];

test.skipIf(NGINX_BIN !== null)('nginx is not installed: the origin tests need it (scripts/setup.sh installs nginx-light)', () => {});

describe.runIf(NGINX_BIN !== null)('origin mirror against a real nginx WebDAV origin', () => {
  let origin: NginxOrigin;
  let work: string;
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', sink: (line) => logs.push(line) });

  beforeAll(async () => {
    origin = await startNginxOrigin();
    work = await mkdtemp(path.join(os.tmpdir(), 'uprez-origin-it-'));
  });
  afterAll(async () => {
    await origin?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** publisher mirrors to the nginx origin, with Basic credentials in the URL (nginx ignores them; logs must not show them). */
  function publisher(name: string, removeDelayMs: number): { pub: OriginPublisher; registry: Registry } {
    const registry = new Registry();
    const url = origin.url.replace('http://', 'http://uploader:origin-secret-pw@');
    const pub = new OriginPublisher({
      url,
      spoolDir: path.join(work, name, 'spool'),
      log,
      metrics: createOriginMetrics(registry),
      queue: { removeDelayMs },
    });
    return { pub, registry };
  }

  test('files before playlists: every file of every playlist version seen at the origin answers 200 at that moment; removed files are deleted', async () => {
    const { pub, registry } = publisher('order', 1_000);
    await pub.start();
    const key = 'order1';
    const visible: [string, string][] = [];
    const mirror = pub.forStream(key, { visible: (rel, text) => visible.push([rel, text]) });
    const writer = new SimHlsWriter({
      dir: path.join(work, 'order', 'hls', key),
      outputs: [mirror],
      renditions: RENDITIONS,
      segmentSeconds: 0.3,
      listSize: 5,
      localKeepBehind: 2,
      prefix: 'e1',
    });
    const poller = new OriginPoller(`${origin.url}${key}/`, PLAYLISTS, 20);
    poller.start();
    await writer.run(40, 300);
    writer.end();
    await mirror.close();
    await poller.stop();

    expect(poller.problems).toEqual([]);
    expect(poller.unreachable).toBe(0); // nginx's dav PUT renames into place: no torn playlist
    expect(poller.count()).toBeGreaterThanOrEqual(30);
    expect(visible.length).toBeGreaterThanOrEqual(40);
    expect(orderViolations(await origin.accessLog(), key, visible)).toEqual([]);
    const s = mirror.stats();
    expect(s.uploads).toMatchObject({ failed: 0, dropped: 0 });
    expect(s.uploads.ok).toBeGreaterThanOrEqual(writer.announced.length + PLAYLISTS.length);
    const windowTotal = RENDITIONS.reduce((n, r) => n + writer.window(r).length, 0);
    expect(s.deletes).toEqual({ ok: writer.announced.length - windowTotal, failed: 0 });
    // The origin holds the final window and nothing else (the close flushed the last deletes).
    for (const r of RENDITIONS) {
      const there = readdirSync(path.join(origin.root, key, r))
        .filter((n) => n.endsWith('.ts'))
        .sort();
      expect(there, r).toEqual(writer.window(r).sort());
    }
    // Each announced segment was PUT exactly once and answered 201, in the order announced per rendition.
    const puts = (await origin.accessLog()).filter((l) => l.startsWith(`PUT /hls/${key}/`) && l.includes('.ts '));
    expect(puts.map((l) => l.split(' ')[2]).every((status) => status === '201' || status === '204')).toBe(true);
    expect(puts.map((l) => l.split(' ')[1]?.slice(`/hls/${key}/`.length)).sort()).toEqual([...writer.announced].sort());
    const metrics = await registry.metrics();
    expect(metrics).toMatch(new RegExp(`uprez_origin_upload_seconds_count\\{stream="${key}",kind="segment"\\} ${writer.announced.length}`));
    expect(metrics).toMatch(new RegExp(`uprez_origin_queue_depth\\{stream="${key}"\\} 0`));
    await pub.close();
  });

  test('the origin stopped for 10 s mid-stream: calls never wait, nothing is lost once it is back, no viewer of the origin sees a 404', async () => {
    const { pub, registry } = publisher('outage', 2_000);
    await pub.start();
    const key = 'outage1';
    const visible: [string, string][] = [];
    const mirror = pub.forStream(key, { visible: (rel, text) => visible.push([rel, text]) });
    // 1 s segments and a 15-segment window: the live window outlasts the outage (as uprez's 2 s x 6 + keep-behind does).
    const writer = new SimHlsWriter({
      dir: path.join(work, 'outage', 'hls', key),
      outputs: [mirror],
      renditions: RENDITIONS,
      segmentSeconds: 1,
      listSize: 15,
      localKeepBehind: 1,
      prefix: 'e1',
    });
    const poller = new OriginPoller(`${origin.url}${key}/`, PLAYLISTS, 50);
    poller.start();
    let downAt = 0;
    let upAt = 0;
    const during: number[] = [];
    await writer.run(26, 1_000, async (i) => {
      if (i === 5) {
        await origin.stop();
        downAt = Date.now();
      }
      if (downAt > 0 && upAt === 0) during.push(mirror.stats().queue.files);
      if (i === 15) {
        await origin.start();
        upAt = Date.now();
      }
    });
    writer.end();
    await mirror.close();
    await poller.stop();

    expect(upAt - downAt).toBeGreaterThanOrEqual(10_000);
    // The queue grew while the origin was away (it queued, it did not block)...
    expect(Math.max(...during)).toBeGreaterThanOrEqual(16);
    // ...and each call to the mirror returned at once (no I/O on the caller's path).
    expect(Math.max(...writer.callMs)).toBeLessThan(50);
    const s = mirror.stats();
    expect(s.uploads.dropped).toBe(0);
    expect(s.uploads.failed).toBeGreaterThan(0);
    expect(s.uploads.retried).toBe(s.uploads.failed);
    expect(poller.problems).toEqual([]);
    expect(orderViolations(await origin.accessLog(), key, visible)).toEqual([]);
    // No segment lost: every announced segment reached the origin (nginx logged its PUT with 201).
    const ok = new Set(
      (await origin.accessLog())
        .filter((l) => l.startsWith(`PUT /hls/${key}/`) && / 20[14]$/.test(l))
        .map((l) => l.split(' ')[1]?.slice(`/hls/${key}/`.length)),
    );
    expect(writer.announced.filter((rel) => !ok.has(rel))).toEqual([]);
    // The origin's final playlists list the writer's final window; every file is there.
    for (const r of RENDITIONS) {
      const final = poller.versions.get(`${r}/index.m3u8`)?.at(-1) ?? '';
      expect(final).toContain('#EXT-X-ENDLIST');
      for (const uri of writer.window(r)) expect(existsSync(path.join(origin.root, key, r, uri)), uri).toBe(true);
    }
    const metrics = await registry.metrics();
    expect(metrics).toMatch(new RegExp(`uprez_origin_upload_failures_total\\{stream="${key}",kind="[a-z]+"\\} [1-9]`));
    // The outage was logged once each way, and the origin's password never.
    expect(logs.filter((l) => l.includes('origin request failed; queuing and retrying')).length).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.includes('origin reachable again'))).toBe(true);
    expect(logs.join('\n')).not.toContain('origin-secret-pw');
    await pub.close();
  });

  test('a window shorter than the outage: what left it before the origin came back is counted as expired, and never listed at the origin', async () => {
    const { pub } = publisher('expiry', 500);
    await pub.start();
    const key = 'expiry1';
    const mirror = pub.forStream(key);
    const writer = new SimHlsWriter({
      dir: path.join(work, 'expiry', 'hls', key),
      outputs: [mirror],
      renditions: ['v'],
      segmentSeconds: 0.5,
      listSize: 3,
      localKeepBehind: 1,
      prefix: 'e1',
    });
    const poller = new OriginPoller(`${origin.url}${key}/`, ['master.m3u8', 'v/index.m3u8'], 50);
    poller.start();
    await writer.run(24, 500, async (i) => {
      if (i === 4) await origin.stop();
      if (i === 14) await origin.start();
    });
    await mirror.close();
    await poller.stop();

    expect(poller.problems).toEqual([]);
    const s = mirror.stats();
    expect(s.dropped.expired).toBeGreaterThanOrEqual(3);
    expect(s.uploads.dropped).toBe(s.dropped.expired);
    const ok = new Set(
      (await origin.accessLog())
        .filter((l) => l.startsWith(`PUT /hls/${key}/`) && / 20[14]$/.test(l))
        .map((l) => l.split(' ')[1]?.slice(`/hls/${key}/`.length)),
    );
    const lost = writer.announced.filter((rel) => !ok.has(rel));
    expect(lost.length).toBe(s.dropped.expired);
    const listed = new Set(
      (poller.versions.get('v/index.m3u8') ?? []).flatMap((t) =>
        t
          .split('\n')
          .filter((l) => l.endsWith('.ts'))
          .map((u) => `v/${u}`),
      ),
    );
    for (const rel of lost) expect(listed.has(rel), rel).toBe(false);
    await pub.close();
  });
});

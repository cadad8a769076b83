// Two real `uprez serve` processes, one nginx WebDAV origin, one redis-server (all Debian's,
// started here on loopback ports): any instance takes any publish, a key has one owner in the
// cluster, viewers use only the origin. Issue 14's acceptance, end to end through the server.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { RedisRegistry } from '../../src/registry/redis-registry.js';
import { testBinaries } from '../helpers/ffmpeg-fixtures.js';
import { NGINX_BIN, type NginxOrigin, REDIS_BIN, startNginxOrigin } from '../helpers/nginx-origin.js';
import { OriginPoller, sequenceViolations } from '../helpers/origin-poller.js';
import { waitUntil } from '../helpers/processes.js';
import { type Publisher, startPublisher } from '../helpers/publisher.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const have = NGINX_BIN !== null && REDIS_BIN !== null;
test.skipIf(have)('nginx or redis-server is not installed: the cluster test needs both (scripts/setup.sh installs them)', () => {});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hooks = pathToFileURL(path.join(repoRoot, 'src', 'image', 'ts-source-hooks.mjs')).href;
const registerHooks = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;

/** Instance is one `uprez serve` process. */
interface Instance {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly rtmp: number;
  readonly http: number;
  readonly output: () => string;
}

/** serve starts `uprez serve` as its own process (so the test can kill -9 it) and waits until it serves. */
async function serve(name: string, extra: readonly string[]): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `uprez-cluster-${name}-`));
  const child = spawn(
    process.execPath,
    [
      '--import',
      registerHooks,
      path.join(repoRoot, 'src', 'cli', 'main.ts'),
      'serve',
      '--host',
      '127.0.0.1',
      '--rtmp-port',
      '0',
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (d: Buffer): void => void (out = (out + d.toString()).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitUntil(() => /uprez serving/.test(out) || child.exitCode !== null, 90_000, `instance ${name} to start`);
  const rtmp = Number(/rtmp=rtmp:\/\/[^:]+:(\d+)/.exec(out)?.[1]);
  const http = Number(/player=http:\/\/[^:]+:(\d+)/.exec(out)?.[1]);
  if (!rtmp || !http) throw new Error(`instance ${name} did not start:\n${out}`);
  return { child, dataDir, rtmp, http, output: () => out };
}

/** stopInstance kills the process and any ffmpeg it left (their command lines name its data dir). */
async function stopInstance(i: Instance, signal: NodeJS.Signals): Promise<void> {
  if (i.child.exitCode === null && i.child.signalCode === null) {
    const gone = new Promise<void>((r) => i.child.once('exit', () => r()));
    i.child.kill(signal);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))]);
  }
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  for (const line of ps.split('\n').filter((l) => l.includes(i.dataDir))) {
    try {
      process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** probe asks ffprobe for the streams of an HLS URL (the whole ladder), as a player would see them. */
function probe(url: string): Promise<{ codec_type: string; width?: number; height?: number }[]> {
  return new Promise((resolve, reject) => {
    execFile(
      testBinaries().ffprobe,
      ['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json', url],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`ffprobe ${url}: ${stderr}`));
        else resolve((JSON.parse(stdout) as { streams: { codec_type: string; width?: number; height?: number }[] }).streams);
      },
    );
  });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  try {
    const r = await fetch(url);
    return { status: r.status, text: await r.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

/** variants reads the media playlists a master at the origin lists (KEY-relative). */
async function variants(base: string): Promise<string[]> {
  const master = await get(`${base}master.m3u8`);
  return master.text.split('\n').filter((l) => l.endsWith('.m3u8') && !l.startsWith('#'));
}

/** segmentCount is how many segments an origin playlist lists now. */
async function segmentCount(url: string): Promise<number> {
  return ((await get(url)).text.match(/#EXTINF/g) ?? []).length;
}

interface ClusterBody {
  readonly streams: { key: string }[];
  readonly self: { id: string };
  readonly cluster: { key: string; local: boolean; owner: { id: string } }[];
}

describe.runIf(have)('two uprez serve processes with --hls-origin (nginx) and --registry (redis)', () => {
  let origin: NginxOrigin;
  let redis: RedisServer;
  let one: Instance;
  let two: Instance;
  const publishers: Publisher[] = [];
  const ffmpeg = testBinaries().ffmpeg;
  const publish = (port: number, key: string, seconds: number): Publisher => {
    const p = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/${key}`, seconds, width: 320, height: 180, fps: 25 }, ffmpeg);
    publishers.push(p);
    return p;
  };

  beforeAll(async () => {
    [origin, redis] = await Promise.all([startNginxOrigin(), startRedis()]);
    // 1 s segments, a 15-segment window (a 10 s outage fits in it), a 2 s lease, bicubic only (CPU).
    const flags = [
      '--model',
      'none',
      '--hls-origin',
      origin.url,
      '--registry',
      redis.url,
      '--lease-ttl-s',
      '2',
      '--segment-seconds',
      '1',
      '--hls-list-size',
      '15',
    ];
    [one, two] = await Promise.all([serve('one', flags), serve('two', flags)]);
  }, 120_000);
  afterAll(async () => {
    for (const p of publishers) p.kill();
    for (const i of [one, two]) if (i) await stopInstance(i, 'SIGKILL');
    await origin?.close();
    await redis?.close();
    for (const i of [one, two]) if (i) rmSync(i.dataDir, { recursive: true, force: true });
  });

  test('A on 1 and B on 2 play from the origin; A refused on 2 while live on 1; after kill -9 of 1, A continues on 2; a 10 s origin outage loses nothing; SIGTERM ends both at the origin and frees the keys', async () => {
    const baseA = `${origin.url}camA/`;
    const baseB = `${origin.url}camB/`;
    publish(one.rtmp, 'camA', 120);
    const pubB = publish(two.rtmp, 'camB', 120);
    let varsA: string[] = [];
    let varsB: string[] = [];
    await waitUntil(
      async () => {
        [varsA, varsB] = await Promise.all([variants(baseA), variants(baseB)]);
        if (varsA.length === 0 || varsB.length === 0) return false;
        const counts = await Promise.all([...varsA.map((v) => segmentCount(baseA + v)), ...varsB.map((v) => segmentCount(baseB + v))]);
        return counts.every((n) => n >= 3);
      },
      90_000,
      'both streams at the origin with three segments in every rung',
    );
    const pollA = new OriginPoller(baseA, ['master.m3u8', ...varsA], 100);
    const pollB = new OriginPoller(baseB, ['master.m3u8', ...varsB], 100);
    pollA.start();
    pollB.start();

    // Playable from the origin alone: the whole ladder, the top rung at twice the published size.
    for (const base of [baseA, baseB]) {
      const streams = await probe(`${base}master.m3u8`);
      expect(Math.max(...streams.map((s) => s.width ?? 0)), base).toBe(640);
      expect(
        streams.some((s) => s.codec_type === 'audio'),
        base,
      ).toBe(true);
    }

    // A is live on 1: a publish of A on 2 is refused (the publisher is told and disconnected).
    const dup = publish(two.rtmp, 'camA', 20);
    const dupExit = await Promise.race([dup.done, new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000))]);
    expect(dupExit, 'the second publisher of A is refused').not.toBe('running');
    expect(dupExit).not.toBe(0);
    const view = (await (await fetch(`http://127.0.0.1:${two.http}/api/streams?scope=cluster`)).json()) as ClusterBody;
    const owners = Object.fromEntries(view.cluster.map((s) => [s.key, s]));
    expect(owners['camA']).toMatchObject({ local: false });
    expect(owners['camA']?.owner.id).not.toBe(view.self.id);
    expect(owners['camB']).toMatchObject({ local: true, owner: { id: view.self.id } });
    expect(view.streams.map((s) => s.key)).toEqual(['camB']);
    expect((await fetch(`http://127.0.0.1:${two.http}/api/streams?scope=everything`)).status).toBe(400);

    // kill -9 of instance 1; A's publisher reconnects to 2, refused until the lease has expired.
    await waitUntil(async () => (await segmentCount(baseA + (varsA[0] ?? ''))) >= 5, 30_000, 'A to have five segments');
    await stopInstance(one, 'SIGKILL');
    const killedAt = Date.now();
    let moved: Publisher | null = null;
    for (let attempt = 0; attempt < 20 && moved === null && Date.now() - killedAt < 30_000; attempt++) {
      const p = publish(two.rtmp, 'camA', 60);
      const r = await Promise.race([p.done, new Promise<'running'>((res) => setTimeout(() => res('running'), 3_000))]);
      if (r === 'running') moved = p;
      else await new Promise((res) => setTimeout(res, 300));
    }
    expect(moved, 'A published again on instance 2 after the lease expired').not.toBeNull();
    // A's playlists at the origin go on: a discontinuity, then the new owner's segments.
    await waitUntil(
      async () => {
        const text = (await get(baseA + (varsA[0] ?? ''))).text;
        const after = text.split('#EXT-X-DISCONTINUITY\n')[1] ?? '';
        return (after.match(/#EXTINF/g) ?? []).length >= 3;
      },
      60_000,
      'A to continue at the origin after a discontinuity',
    );

    // The origin goes away for 10 s and comes back: the streams go on, nothing is lost.
    await origin.stop();
    await new Promise((r) => setTimeout(r, 10_000));
    await origin.start();
    // Caught up: the origin's B lists what instance 2's own /hls lists.
    await waitUntil(
      async () => {
        const v = varsB[0] ?? '';
        const [at, local] = await Promise.all([get(baseB + v), get(`http://127.0.0.1:${two.http}/hls/camB/${v}`)]);
        const last = (t: string): string | undefined =>
          t
            .split('\n')
            .filter((l) => l && !l.startsWith('#'))
            .at(-1);
        return at.status === 200 && last(at.text) !== undefined && last(at.text) === last(local.text);
      },
      60_000,
      'the origin to catch up with instance 2 after the outage',
    );

    // Nothing was dropped on the way (the drop policy counts any): B's origin output on instance 2.
    const snapB = (await (await fetch(`http://127.0.0.1:${two.http}/api/streams/camB`)).json()) as {
      origin: { uploads: { dropped: number; ok: number }; dropped: Record<string, number> } | null;
    };
    expect(snapB.origin?.uploads.dropped).toBe(0);
    expect(Object.values(snapB.origin?.dropped ?? { none: 1 }).every((n) => n === 0)).toBe(true);
    expect(snapB.origin?.uploads.ok).toBeGreaterThan(20);

    // SIGTERM: both streams end with ENDLIST at the origin and their leases are released.
    await stopInstance(two, 'SIGTERM');
    expect(two.child.exitCode, two.output().slice(-3000)).toBe(0);
    await Promise.all([pollA.stop(), pollB.stop()]);
    pubB.kill();

    // No viewer of the origin was ever sent to a file it did not have.
    expect(pollA.problems).toEqual([]);
    expect(pollB.problems).toEqual([]);
    for (const v of varsA) {
      const versions = pollA.versions.get(v) ?? [];
      expect(sequenceViolations(versions), `A ${v}`).toEqual([]);
      expect(
        versions.some((t) => t.includes('#EXT-X-DISCONTINUITY')),
        `A ${v}: a version with the new owner's discontinuity`,
      ).toBe(true);
      expect(versions.at(-1), `A ${v}`).toContain('#EXT-X-ENDLIST');
    }
    for (const v of varsB) {
      const versions = pollB.versions.get(v) ?? [];
      expect(sequenceViolations(versions), `B ${v}`).toEqual([]);
      expect(versions.at(-1), `B ${v}`).toContain('#EXT-X-ENDLIST');
      // Every segment B ever listed at the origin, in order, without a hole across the outage.
      const seqs = new Set<number>();
      for (const t of versions) {
        const ms = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(t)?.[1] ?? 0);
        const n = (t.match(/#EXTINF/g) ?? []).length;
        for (let i = 0; i < n; i++) seqs.add(ms + i);
      }
      const sorted = [...seqs].sort((a, b) => a - b);
      expect(sorted.length, `B ${v}`).toBe((sorted.at(-1) ?? 0) - (sorted[0] ?? 0) + 1);
    }
    // Both leases are gone from the registry.
    const reader = new RedisRegistry({
      url: redis.url,
      self: { id: 'reader', url: 'http://reader.test' },
      log: createLogger({ level: 'warn', sink: () => {} }),
      ttlMs: 2_000,
    });
    await reader.start();
    try {
      expect(await reader.list()).toEqual([]);
    } finally {
      await reader.close();
    }
  });
});

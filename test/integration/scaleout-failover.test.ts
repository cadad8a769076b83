import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { OriginPublisher } from '../../src/origin/origin-publisher.js';
import { ContinuityRecorder } from '../../src/registry/continuity-recorder.js';
import { RedisRegistry } from '../../src/registry/redis-registry.js';
import type { StreamLease } from '../../src/registry/stream-registry.js';
import { type ChildInstance, startChild } from '../helpers/child-instance.js';
import { testBinaries } from '../helpers/ffmpeg-fixtures.js';
import { NGINX_BIN, type NginxOrigin, REDIS_BIN, startNginxOrigin } from '../helpers/nginx-origin.js';
import { OriginPoller, orderViolations, sequenceViolations } from '../helpers/origin-poller.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { makeTsSegments, SimHlsWriter } from '../helpers/sim-hls-writer.js';

const have = NGINX_BIN !== null && REDIS_BIN !== null;
test.skipIf(have)('nginx or redis-server is not installed: the failover test needs both (scripts/setup.sh installs them)', () => {});

const RENDITIONS = ['720p', '360p'];
const PLAYLISTS = ['master.m3u8', ...RENDITIONS.map((r) => `${r}/index.m3u8`)];
const TTL_MS = 1_500;

/** ffprobe reads an HLS URL to the end and reports its duration, or throws. */
function probeDuration(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      testBinaries().ffprobe,
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', url],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`ffprobe ${url}: ${stderr}`));
        else resolve(Number(stdout.trim()));
      },
    );
  });
}

describe.runIf(have)('two instances, one origin, one registry: failover of a stream', () => {
  let origin: NginxOrigin;
  let redis: RedisServer;
  let work: string;
  let sources: string[];
  let child: ChildInstance | null = null;

  beforeAll(async () => {
    [origin, redis] = await Promise.all([startNginxOrigin(), startRedis()]);
    work = await mkdtemp(path.join(os.tmpdir(), 'uprez-failover-'));
    sources = await makeTsSegments(path.join(work, 'src'), 10, 0.5, testBinaries().ffmpeg);
  });
  afterAll(async () => {
    await child?.kill('SIGKILL');
    await origin?.close();
    await redis?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('A on instance 1 and B on instance 2 play from the origin; A refused on 2 while live on 1; after kill -9 of 1, A continues on 2 with a discontinuity and the right sequence numbers', async () => {
    expect(sources.length).toBeGreaterThanOrEqual(10);
    const log = createLogger({ level: 'warn', sink: () => {} });
    const two = new RedisRegistry({ url: redis.url, self: { id: 'two', url: 'http://two.test:8000' }, log, ttlMs: TTL_MS });
    await two.start();
    const pub = new OriginPublisher({ url: origin.url, spoolDir: path.join(work, 'two', 'spool'), log, queue: { removeDelayMs: 1_000 } });
    await pub.start();
    const pollA = new OriginPoller(`${origin.url}camA/`, PLAYLISTS, 40);
    const pollB = new OriginPoller(`${origin.url}camB/`, PLAYLISTS, 40);

    // Instance 1 (its own process) publishes A.
    child = startChild({
      mode: 'stream',
      id: 'one',
      redis: redis.url,
      key: 'camA',
      ttlMs: TTL_MS,
      lifetimeMs: 120_000,
      origin: origin.url,
      work: path.join(work, 'one'),
      renditions: RENDITIONS,
      segmentSeconds: 0.5,
      listSize: 6,
      sourceSegments: sources,
    });
    const first = await child.waitFor('acquired', 30_000);
    pollA.start();
    // Instance 2 publishes B.
    const leaseB = await two.acquire('camB');
    if (!leaseB.ok) throw new Error('B not leased');
    const recB = new ContinuityRecorder({ key: 'camB', instance: 'two', epoch: leaseB.lease.epoch, store: leaseB.lease.continuity, log });
    const visibleB: [string, string][] = [];
    const mirrorB = pub.forStream('camB', {
      commit: (rel, text) => recB.commit(rel, text),
      visible: (rel, text) => visibleB.push([rel, text]),
    });
    const writerB = new SimHlsWriter({
      dir: path.join(work, 'two', 'hls', 'camB'),
      outputs: [mirrorB],
      renditions: RENDITIONS,
      segmentSeconds: 0.5,
      listSize: 6,
      localKeepBehind: 2,
      prefix: `e${leaseB.lease.epoch}`,
      sourceSegments: sources,
    });
    pollB.start();
    const runB = writerB.run(30, 500);

    await child.waitFor('tick', 30_000, (e) => Number(e['i']) >= 10);
    // A is live on instance 1: instance 2 refuses it, naming the owner.
    expect(await two.acquire('camA')).toMatchObject({
      ok: false,
      reason: 'leased',
      holder: { owner: { id: 'one' }, epoch: Number(first['epoch']) },
    });
    expect((await two.list()).map((s) => [s.key, s.owner.id])).toEqual([
      ['camA', 'one'],
      ['camB', 'two'],
    ]);

    await child.kill('SIGKILL');
    const killedAt = Date.now();
    let leaseA: StreamLease | null = null;
    while (leaseA === null && Date.now() - killedAt < 10_000) {
      const r = await two.acquire('camA');
      if (r.ok) leaseA = r.lease;
      else await new Promise((res) => setTimeout(res, 50));
    }
    if (leaseA === null) throw new Error('A never became free after kill -9');
    expect(Date.now() - killedAt).toBeLessThanOrEqual(TTL_MS + 500);
    expect(leaseA.epoch).toBe(Number(first['epoch']) + 1);

    // Instance 2 continues A's playlists from the record instance 1 left.
    const takeoverLine = (await origin.accessLog()).length;
    const record = await leaseA.continuity.load('camA');
    expect(record).toMatchObject({ key: 'camA', instance: 'one', epoch: Number(first['epoch']) });
    const recA = new ContinuityRecorder({
      key: 'camA',
      instance: 'two',
      epoch: leaseA.epoch,
      store: leaseA.continuity,
      log,
      initial: record,
    });
    const visibleA: [string, string][] = [];
    const mirrorA = pub.forStream('camA', {
      commit: (rel, text) => recA.commit(rel, text),
      visible: (rel, text) => visibleA.push([rel, text]),
    });
    const writerA = new SimHlsWriter({
      dir: path.join(work, 'two', 'hls', 'camA'),
      outputs: [mirrorA],
      renditions: RENDITIONS,
      segmentSeconds: 0.5,
      listSize: 6,
      localKeepBehind: 2,
      prefix: `e${leaseA.epoch}`,
      sourceSegments: sources,
      continueFrom: record,
    });
    await writerA.run(14, 500);
    writerA.end();
    await runB;
    writerB.end();
    await Promise.all([mirrorA.close(), mirrorB.close()]);
    await Promise.all([pollA.stop(), pollB.stop()]);

    // No viewer of the origin ever got a 404, across the failover.
    expect(pollA.problems).toEqual([]);
    expect(pollB.problems).toEqual([]);
    expect(orderViolations(await origin.accessLog(), 'camA', visibleA, takeoverLine)).toEqual([]);
    expect(orderViolations(await origin.accessLog(), 'camB', visibleB)).toEqual([]);
    const oldPrefix = `e${String(first['epoch'])}_`;
    const newPrefix = `e${leaseA.epoch}_`;
    for (const r of RENDITIONS) {
      const versions = pollA.versions.get(`${r}/index.m3u8`) ?? [];
      // Sequence numbers keep their meaning from instance 1's versions into instance 2's.
      expect(sequenceViolations(versions), r).toEqual([]);
      const prev = record?.renditions[`${r}/index.m3u8`];
      if (!prev) throw new Error(`no record of ${r}`);
      const joined = versions.find((t) => t.includes(oldPrefix) && t.includes(newPrefix));
      expect(joined, `${r}: a version listing both owners' segments`).toBeDefined();
      expect(joined).toMatch(new RegExp(`${oldPrefix}\\d+\\.ts\\n#EXT-X-DISCONTINUITY\\n#EXTINF:[0-9.]+,\\n${newPrefix}00000\\.ts`));
      // Its first version: the carried window plus one own segment, minus what that pushed out of a 6-segment window.
      const firstOwn = versions.find((t) => t.includes(newPrefix));
      expect(firstOwn).toContain(`#EXT-X-MEDIA-SEQUENCE:${prev.mediaSequence + Math.max(0, prev.segments.length + 1 - 6)}\n`);
      const final = versions.at(-1) ?? '';
      expect(final).toContain('#EXT-X-ENDLIST');
      // The carried window has left: its discontinuity is counted, and instance 2 deleted those files at the origin.
      expect(final).toContain(`#EXT-X-DISCONTINUITY-SEQUENCE:${prev.discontinuitySequence + 1}\n`);
      expect(final).toContain(`#EXT-X-MEDIA-SEQUENCE:${prev.mediaSequence + prev.segments.length + 14 - 6}\n`);
      const there = readdirSync(path.join(origin.root, 'camA', r))
        .filter((n) => n.endsWith('.ts'))
        .sort();
      expect(there).toEqual(writerA.window(r).sort());
    }
    // Both streams play from the origin alone.
    expect(await probeDuration(`${origin.url}camA/master.m3u8`)).toBeGreaterThan(2);
    expect(await probeDuration(`${origin.url}camB/master.m3u8`)).toBeGreaterThan(2);
    await leaseA.release();
    await leaseB.lease.release();
    await pub.close();
    await two.close();
  });
});

import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { ContinuityState } from '../../src/registry/continuity.js';
import { RedisRegistry } from '../../src/registry/redis-registry.js';
import { createRegistryMetrics } from '../../src/registry/registry-metrics.js';
import type { AcquireResult, StreamLease } from '../../src/registry/stream-registry.js';
import { type ChildInstance, startChild } from '../helpers/child-instance.js';
import { REDIS_BIN } from '../helpers/nginx-origin.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

test.skipIf(REDIS_BIN !== null)('redis-server is not installed: the registry tests need it (scripts/setup.sh installs it)', () => {});

function leaseOf(r: AcquireResult): StreamLease {
  if (!r.ok) throw new Error(`expected the lease, got ${r.reason}`);
  return r.lease;
}

describe.runIf(REDIS_BIN !== null)('stream registry against a real redis-server', () => {
  let redis: RedisServer;
  const open: RedisRegistry[] = [];
  const children: ChildInstance[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    for (const r of open.splice(0)) await r.close();
  });
  afterAll(async () => {
    await redis?.close();
  });

  /** instance starts a registry client as instance `id` (what one `uprez serve --registry` holds). */
  async function instance(id: string, ttlMs = 1_500, url = redis.url): Promise<{ reg: RedisRegistry; metrics: Registry }> {
    const metrics = new Registry();
    const reg = new RedisRegistry({
      url,
      self: { id, url: `http://${id}.test:8000` },
      log: createLogger({ level: 'debug', sink: (l) => logs.push(l) }),
      metrics: createRegistryMetrics(metrics),
      ttlMs,
    });
    await reg.start();
    open.push(reg);
    return { reg, metrics };
  }

  test('one owner per key across two instances; list() shows every stream and its owner; release frees it at once, with a larger epoch next time', async () => {
    const { reg: one, metrics } = await instance('one');
    const { reg: two } = await instance('two');
    const a = leaseOf(await one.acquire('camA'));
    const b = leaseOf(await two.acquire('camB'));
    const refused = await two.acquire('camA');
    expect(refused).toMatchObject({
      ok: false,
      reason: 'leased',
      holder: { key: 'camA', owner: { id: 'one', url: 'http://one.test:8000' }, epoch: a.epoch },
    });
    expect(await one.acquire('camA')).toMatchObject({ ok: false, reason: 'leased', holder: { owner: { id: 'one' } } });
    for (const reg of [one, two]) {
      expect((await reg.list()).map((s) => [s.key, s.owner.id, s.owner.url])).toEqual([
        ['camA', 'one', 'http://one.test:8000'],
        ['camB', 'two', 'http://two.test:8000'],
      ]);
    }
    expect(await metrics.metrics()).toMatch(/uprez_registry_lease_held\{stream="camA"\} 1/);
    expect(await metrics.metrics()).toMatch(/uprez_registry_up 1/);
    await a.release();
    expect(await metrics.metrics()).not.toMatch(/uprez_registry_lease_held\{stream="camA"\}/);
    const again = leaseOf(await two.acquire('camA'));
    expect(again.epoch).toBe(a.epoch + 1);
    expect((await one.list()).map((s) => [s.key, s.owner.id])).toEqual([
      ['camA', 'two'],
      ['camB', 'two'],
    ]);
    await b.release();
    await again.release();
    expect(await one.list()).toEqual([]);
  });

  test('two instances racing for 20 keys at once: exactly one wins each, and the loser is told who', async () => {
    const { reg: one } = await instance('one');
    const { reg: two } = await instance('two');
    const keys = Array.from({ length: 20 }, (_, i) => `race${i}`);
    const results = await Promise.all(keys.flatMap((k) => [one.acquire(k), two.acquire(k)]));
    for (let i = 0; i < keys.length; i++) {
      const [x, y] = [results[2 * i], results[2 * i + 1]] as [AcquireResult, AcquireResult];
      expect([x.ok, y.ok].filter(Boolean), keys[i]).toHaveLength(1);
      const winner = x.ok ? 'one' : 'two';
      const loser = x.ok ? y : x;
      expect(loser).toMatchObject({ reason: 'leased', holder: { owner: { id: winner } } });
    }
    expect(one.heldKeys().length + two.heldKeys().length).toBe(20);
  });

  test('a live holder keeps its key past the TTL; a killed one (kill -9) loses it within the TTL, to a larger epoch', async () => {
    const { reg: two } = await instance('two');
    const child = startChild({ mode: 'hold', id: 'child', redis: redis.url, key: 'camK', ttlMs: 1_500, lifetimeMs: 60_000 });
    children.push(child);
    const acquired = await child.waitFor('acquired', 20_000);
    await new Promise((r) => setTimeout(r, 4_500)); // three TTLs: renewals must have kept it
    expect(await two.acquire('camK')).toMatchObject({ ok: false, reason: 'leased', holder: { owner: { id: 'child' } } });
    await child.kill('SIGKILL');
    const killedAt = Date.now();
    let lease: StreamLease | null = null;
    while (lease === null && Date.now() - killedAt < 10_000) {
      const r = await two.acquire('camK');
      if (r.ok) lease = r.lease;
      else await new Promise((res) => setTimeout(res, 50));
    }
    const waited = Date.now() - killedAt;
    expect(lease, 'the key never became free').not.toBeNull();
    expect(waited).toBeLessThanOrEqual(1_500 + 300);
    expect(lease?.epoch).toBe(Number(acquired['epoch']) + 1);
  });

  test('fencing: a holder frozen past its TTL (SIGSTOP) loses the key; woken, it learns its lease is lost and its saves are refused', async () => {
    const { reg: two } = await instance('two');
    const child = startChild({ mode: 'save', id: 'frozen', redis: redis.url, key: 'camF', ttlMs: 1_500, lifetimeMs: 60_000 });
    children.push(child);
    const acquired = await child.waitFor('acquired', 20_000);
    await child.waitFor('saved', 5_000);
    await child.kill('SIGSTOP');
    let lease: StreamLease | null = null;
    const t0 = Date.now();
    while (lease === null && Date.now() - t0 < 10_000) {
      const r = await two.acquire('camF');
      if (r.ok) lease = r.lease;
      else await new Promise((res) => setTimeout(res, 100));
    }
    if (lease === null) throw new Error('the frozen holder kept the key');
    expect(lease.epoch).toBeGreaterThan(Number(acquired['epoch']));
    const mine: ContinuityState = {
      v: 1,
      key: 'camF',
      epoch: lease.epoch,
      instance: 'two',
      updatedAt: Date.now(),
      master: 'saved by two',
      renditions: {},
      retired: [],
    };
    await lease.continuity.save('camF', mine);
    const wokeAt = Date.now();
    child.process.kill('SIGCONT');
    const lost = await child.waitFor('lost', 5_000);
    expect(['taken', 'unreachable']).toContain(lost['reason']);
    const fenced = await child.waitFor('fenced', 3_000, (e) => e.at > wokeAt);
    expect(fenced['code']).toBe('REGISTRY_FENCED');
    await new Promise((r) => setTimeout(r, 600));
    // At most the one save already answered when SIGSTOP landed may be reported after the wake.
    expect(child.events.filter((e) => e.event === 'saved' && e.at > wokeAt).length).toBeLessThanOrEqual(1);
    expect((await lease.continuity.load('camF'))?.master).toBe('saved by two');
    expect((await two.list()).find((s) => s.key === 'camF')?.owner.id).toBe('two');
  });

  test('Redis down: fail closed (acquire answers unavailable, not ready, held leases lost within the TTL); back up: all works again', async () => {
    const { reg: one, metrics } = await instance('one', 2_000);
    const held = leaseOf(await one.acquire('camR'));
    let lostAt = 0;
    held.onLost((reason) => {
      expect(reason).toBe('unreachable');
      lostAt = Date.now();
    });
    await redis.stop();
    const downAt = Date.now();
    const t0 = Date.now();
    const r = await one.acquire('camS');
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(r).toMatchObject({ ok: false, reason: 'unavailable' });
    await expect(one.list()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await new Promise((res) => setTimeout(res, 2_200));
    expect(one.health()).toMatchObject({ ok: false, reason: expect.stringContaining(`registry ${redis.url} unreachable`) });
    expect(lostAt - downAt).toBeGreaterThan(0);
    expect(lostAt - downAt).toBeLessThanOrEqual(2_000);
    expect(held.lost).toBe('unreachable');
    const text = await metrics.metrics();
    expect(text).toMatch(/uprez_registry_up 0/);
    expect(text).toMatch(/uprez_registry_lease_lost_total\{reason="unreachable"\} 1/);
    await redis.start();
    const t1 = Date.now();
    while (!one.health().ok && Date.now() - t1 < 10_000) await new Promise((res) => setTimeout(res, 100));
    expect(one.health()).toEqual({ ok: true });
    leaseOf(await one.acquire('camR'));
  });

  test('continuity record: saved by the owner, loaded by another instance; a password in the URL never reaches a log line', async () => {
    const { reg: one } = await instance('one');
    const lease = leaseOf(await one.acquire('camC'));
    const state: ContinuityState = {
      v: 1,
      key: 'camC',
      epoch: lease.epoch,
      instance: 'one',
      updatedAt: 1_700_000_000_000,
      master: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n',
      renditions: {
        'v/index.m3u8': {
          playlist: 'v/index.m3u8',
          targetDuration: 2,
          mediaSequence: 41,
          discontinuitySequence: 1,
          endList: false,
          segments: [{ uri: 'e3_00041.ts', duration: 2, discontinuity: true, map: null }],
        },
      },
      retired: ['v/e3_00040.ts'],
    };
    await lease.continuity.save('camC', state);
    await lease.release();
    const { reg: two } = await instance('two');
    const next = leaseOf(await two.acquire('camC'));
    expect(await next.continuity.load('camC')).toEqual(state);
    expect(await next.continuity.load('nothing-here')).toBeNull();
    // This Redis has no password: AUTH fails, and the failure is logged with the URL redacted.
    const wrong = `redis://someone:registry-secret-pw@127.0.0.1:${redis.port}`;
    const { reg: three } = await instance('three', 1_500, wrong);
    expect(three.health().ok).toBe(false);
    expect(await three.acquire('camZ')).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(logs.join('\n')).toContain(`redis://***@127.0.0.1:${redis.port}`);
    expect(logs.join('\n')).not.toContain('registry-secret-pw');
  });
});

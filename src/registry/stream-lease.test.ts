import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import type { LeaseStore, RenewOutcome } from './lease-store.js';
import { HeldLease } from './stream-lease.js';
import type { LeaseLostReason } from './stream-registry.js';

/** A store whose renew answers come from `answer` (a value, or an Error to throw). */
function fakeStore(answer: () => RenewOutcome | Error) {
  const renews: number[] = [];
  const released: string[] = [];
  let saved = true;
  const store: LeaseStore = {
    acquire: () => Promise.reject(new Error('unused')),
    renew: async () => {
      renews.push(Date.now());
      const a = answer();
      if (a instanceof Error) throw a;
      return a;
    },
    release: async (key, token) => {
      released.push(`${key}:${token}`);
      return true;
    },
    list: async () => [],
    saveFenced: async () => saved,
    load: async () => null,
  };
  return { store, renews, released, refuseSaves: () => (saved = false) };
}

const info = { key: 'cam1', owner: { id: 'i1', url: 'http://i1:8000' }, epoch: 7, since: 0 };

function lease(store: LeaseStore, lost: string[] = []) {
  return new HeldLease(
    info,
    'TOKEN',
    store,
    { ttlMs: 6_000 },
    { lost: (k, r) => lost.push(`${k}:${r}`), ended: (k) => lost.push(`${k}:ended`) },
    silentLogger,
    Date.now(),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HeldLease', () => {
  test('renews every ttl/3 while the store says it is still ours, and is never lost', async () => {
    const f = fakeStore(() => 'ok');
    const l = lease(f.store);
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.renews.map((t) => t - t0).slice(0, 4)).toEqual([2_000, 4_000, 6_000, 8_000]);
    expect(f.renews).toHaveLength(30);
    expect(l.lost).toBeNull();
    await l.release();
    expect(f.released).toEqual(['cam1:TOKEN']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(f.renews).toHaveLength(30);
  });

  test.each<[RenewOutcome, LeaseLostReason]>([
    ['taken', 'taken'],
    ['expired', 'expired'],
  ])('a renew answered %s loses the lease at once and tells every listener once', async (answer, reason) => {
    let n = 0;
    const f = fakeStore(() => (++n < 3 ? 'ok' : answer));
    const events: string[] = [];
    const l = lease(f.store, events);
    const heard: LeaseLostReason[] = [];
    l.onLost((r) => heard.push(r));
    l.onLost((r) => heard.push(r));
    await vi.advanceTimersByTimeAsync(6_000);
    expect(l.lost).toBe(reason);
    expect(heard).toEqual([reason, reason]);
    expect(events).toEqual([`cam1:${reason}`]);
    const late: LeaseLostReason[] = [];
    l.onLost((r) => late.push(r));
    await vi.advanceTimersByTimeAsync(0);
    expect(late).toEqual([reason]);
    await l.release();
    expect(f.released).toEqual([]);
  });

  test('with the store unreachable it retries every ttl/10 and is lost ttl - ttl/5 after the last renew it sent that worked', async () => {
    let down = false;
    const f = fakeStore(() => (down ? new Error('connect ECONNREFUSED') : 'ok'));
    const l = lease(f.store);
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(2_000); // renew at +2 s works: valid until +8 s by this clock
    down = true;
    let lostAt = 0;
    l.onLost(() => (lostAt = Date.now() - t0));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(l.lost).toBe('unreachable');
    expect(lostAt).toBe(2_000 + 6_000 - 1_200);
    // renew at +4 s failed, then one every 600 ms until the watchdog fired
    expect(f.renews.map((t) => t - t0)).toEqual([2_000, 4_000, 4_600, 5_200, 5_800, 6_400]);
  });

  test('a renew that comes back while the store is flaky keeps the lease', async () => {
    let n = 0;
    const f = fakeStore(() => (++n % 2 === 0 ? new Error('timeout') : 'ok'));
    const l = lease(f.store);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(l.lost).toBeNull();
    await l.release();
  });

  test('a fenced save loses the lease (another instance owns the key) and is refused', async () => {
    const f = fakeStore(() => 'ok');
    const l = lease(f.store);
    const state = { v: 1 as const, key: 'cam1', epoch: 7, instance: 'i1', updatedAt: 1, master: null, renditions: {}, retired: [] };
    await l.continuity.save('cam1', state);
    await expect(l.continuity.save('other', { ...state, key: 'other' })).rejects.toMatchObject({ code: 'REGISTRY_WRONG_KEY' });
    f.refuseSaves();
    await expect(l.continuity.save('cam1', state)).rejects.toMatchObject({ code: 'REGISTRY_FENCED' });
    expect(l.lost).toBe('taken');
    await expect(l.continuity.save('cam1', state)).rejects.toMatchObject({ code: 'REGISTRY_FENCED' });
  });
});

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { OriginError } from './origin-error.js';
import { down, harness, media, settle } from '../../test/helpers/upload-queue-kit.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('order: no playlist before what it lists', () => {
  test('a playlist goes up only once every file it lists is up, then is reported visible', async () => {
    const h = harness();
    h.q.file('v/a.ts', '/x/a.ts', 'segment');
    h.q.file('v/b.ts', '/x/b.ts', 'segment');
    h.q.playlist('v/index.m3u8', media('a.ts', 'b.ts'), ['v/a.ts', 'v/b.ts']);
    await settle();
    expect(h.open()).toEqual(['PUT v/a.ts', 'PUT v/b.ts']);
    await h.answer('v/a.ts');
    expect(h.open()).toEqual(['PUT v/b.ts']);
    await h.answer('v/b.ts');
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
    expect(h.visible).toEqual([]);
    await h.answer('v/index.m3u8');
    expect(h.visible).toEqual([`v/index.m3u8:${media('a.ts', 'b.ts')}`]);
    expect(h.released).toEqual(['/x/a.ts', '/x/b.ts']);
  });

  test('a playlist does not wait for files it does not list (another rendition)', async () => {
    const h = harness();
    h.q.file('hi/a.ts', '/x/hi-a.ts', 'segment');
    h.q.file('lo/a.ts', '/x/lo-a.ts', 'segment');
    h.q.playlist('lo/index.m3u8', media('a.ts'), ['lo/a.ts']);
    await settle();
    await h.answer('lo/a.ts');
    expect(h.open()).toEqual(['PUT hi/a.ts', 'PUT lo/index.m3u8']);
  });

  test('a newer version of a playlist replaces one not yet sent', async () => {
    const h = harness();
    h.q.file('v/a.ts', '/x/a.ts', 'segment');
    h.q.playlist('v/index.m3u8', 'one', ['v/a.ts']);
    h.q.playlist('v/index.m3u8', 'two', ['v/a.ts']);
    await settle();
    await h.answer('v/a.ts');
    expect(h.calls.filter((c) => c.rel === 'v/index.m3u8').map((c) => c.text)).toEqual(['two']);
  });

  test('the master waits for the first upload of each media playlist it lists, not for later versions', async () => {
    const h = harness();
    h.q.playlist('v/index.m3u8', 'v1', []);
    h.q.playlist('master.m3u8', 'master', ['v/index.m3u8']);
    await settle();
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
    await h.answer('v/index.m3u8');
    expect(h.open()).toEqual(['PUT master.m3u8']);
    h.q.playlist('v/index.m3u8', 'v2', []);
    h.q.playlist('master.m3u8', 'master2', ['v/index.m3u8']);
    await h.answer('master.m3u8');
    expect(h.open().sort()).toEqual(['PUT master.m3u8', 'PUT v/index.m3u8']);
  });

  test('a re-announced file (same path, new content) goes up again before playlists announced after it', async () => {
    const h = harness();
    h.q.file('v/init.mp4', '/x/init1', 'init');
    await settle();
    await h.answer('v/init.mp4');
    h.q.file('v/init.mp4', '/x/init2', 'init');
    h.q.playlist('v/index.m3u8', 'p', ['v/init.mp4']);
    await settle();
    expect(h.open()).toEqual(['PUT v/init.mp4']);
    await h.answer('v/init.mp4');
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
  });
});

describe('a slow or failing origin never stalls the caller', () => {
  test('with the origin hung, calls return at once; requests in flight stay at the concurrency limit', async () => {
    const h = harness({ concurrency: 2 });
    for (let i = 0; i < 50; i++) {
      h.q.file(`v/${i}.ts`, `/x/${i}.ts`, 'segment');
      h.q.playlist('v/index.m3u8', `p${i}`, [`v/${i}.ts`]);
    }
    await settle();
    expect(h.open()).toEqual(['PUT v/0.ts', 'PUT v/1.ts']);
    const s = h.q.stats();
    expect(s.queue).toMatchObject({ files: 50, playlists: 1, inFlight: 2 });
  });

  test('failures pause the whole queue, doubling the pause each time; a success resets it', async () => {
    const h = harness({ concurrency: 1, backoff: { baseMs: 200, maxMs: 1_000 } });
    h.q.file('v/a.ts', '/x/a.ts', 'segment');
    h.q.file('v/b.ts', '/x/b.ts', 'segment');
    await settle();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await h.answer(h.open()[0]?.split(' ')[1] ?? '', down());
      let waited = 0;
      while (h.open().length === 0 && waited < 5_000) {
        await vi.advanceTimersByTimeAsync(10);
        waited += 10;
      }
      waits.push(waited);
    }
    // random() = 0: half of min(max, base * 2^(n-1)).
    expect(waits).toEqual([100, 200, 400, 500, 500]);
    expect(h.q.stats().uploads).toMatchObject({ failed: 5, retried: 5, ok: 0, dropped: 0 });
    expect(h.q.stats().lastError).toMatchObject({ code: 'ORIGIN_NETWORK', message: expect.stringContaining('ECONNREFUSED') });
    expect(h.q.stats().backoffUntil).toBeNull();
    await h.answer('v/a.ts');
    expect(h.open()).toEqual(['PUT v/b.ts']);
    await h.answer('v/b.ts', down());
    await vi.advanceTimersByTimeAsync(99);
    expect(h.open()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.open()).toEqual(['PUT v/b.ts']);
  });

  test('a request that outlives its timeout is aborted and retried', async () => {
    const h = harness({ requestTimeoutMs: 3_000, backoff: { baseMs: 100, maxMs: 100 } });
    h.q.file('v/a.ts', '/x/a.ts', 'segment');
    await settle();
    const first = h.calls[0];
    await vi.advanceTimersByTimeAsync(2_999);
    expect(first?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first?.signal.aborted).toBe(true);
    expect(h.q.stats().lastError?.code).toBe('ORIGIN_TIMEOUT');
    await vi.advanceTimersByTimeAsync(100);
    expect(h.calls.filter((c) => c.rel === 'v/a.ts')).toHaveLength(2);
  });

  test('a refused file (4xx) is dropped, not retried; playlists listing it are held until a version without it', async () => {
    const h = harness();
    h.q.file('v/a.ts', '/x/a.ts', 'segment');
    h.q.file('v/b.ts', '/x/b.ts', 'segment');
    h.q.playlist('v/index.m3u8', media('a.ts', 'b.ts'), ['v/a.ts', 'v/b.ts']);
    await settle();
    await h.answer('v/a.ts', new OriginError('ORIGIN_HTTP_STATUS', 'PUT answered 403 Forbidden', false, 403));
    await h.answer('v/b.ts');
    expect(h.open()).toEqual([]);
    expect(h.q.stats().queue.held).toBe(1);
    expect(h.drops).toEqual([['segment', 'rejected']]);
    h.q.file('v/c.ts', '/x/c.ts', 'segment');
    h.q.playlist('v/index.m3u8', media('b.ts', 'c.ts'), ['v/b.ts', 'v/c.ts']);
    await settle();
    await h.answer('v/c.ts');
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
    expect(h.calls.at(-1)?.text).toBe(media('b.ts', 'c.ts'));
  });

  test('a file gone from disk before it was taken is dropped as missing, and never listed', async () => {
    const h = harness({}, {}, ['v/a.ts']);
    h.q.file('v/a.ts', '/x/a.ts', 'segment');
    h.q.playlist('v/index.m3u8', media('a.ts'), ['v/a.ts']);
    await settle();
    expect(h.open()).toEqual([]);
    expect(h.q.stats().dropped.missing).toBe(1);
  });
});

describe('bounds and the drop policy', () => {
  test('over the count bound the oldest waiting part goes first, then the oldest segment, never an init', async () => {
    const h = harness({ concurrency: 1, maxFiles: 4 });
    h.q.file('v/init.mp4', '/x/init', 'init');
    await settle(); // in flight, never dropped
    h.q.file('v/s1.m4s', '/x/s1', 'segment');
    h.q.file('v/s1.0.m4s', '/x/p0', 'part');
    h.q.file('v/s1.1.m4s', '/x/p1', 'part');
    h.q.file('v/s2.m4s', '/x/s2', 'segment');
    h.q.file('v/s3.m4s', '/x/s3', 'segment');
    h.q.file('v/s4.m4s', '/x/s4', 'segment');
    await settle();
    expect(h.drops).toEqual([
      ['part', 'overflow'],
      ['part', 'overflow'],
      ['segment', 'overflow'],
    ]);
    expect(h.q.stats().queue.files).toBe(4);
    await h.answer('v/init.mp4');
    expect(h.open()).toEqual(['PUT v/s2.m4s']);
  });

  test('over the byte bound the oldest segments go until the rest fit', async () => {
    const sizes = { 'v/1.ts': 400, 'v/2.ts': 400, 'v/3.ts': 400, 'v/4.ts': 400 };
    const h = harness({ concurrency: 1, maxBytes: 1_000 }, sizes);
    h.q.file('v/0.ts', '/x/0', 'segment');
    await settle(); // v/0.ts (100 bytes) in flight
    for (const rel of Object.keys(sizes)) h.q.file(rel, `/x/${rel}`, 'segment');
    await settle();
    expect(h.q.stats().queue.bytes).toBeLessThanOrEqual(1_000);
    expect(h.q.stats().dropped.overflow).toBe(2);
    await h.answer('v/0.ts');
    expect(h.open()).toEqual(['PUT v/3.ts']);
  });

  test('a dropped segment is never listed by a playlist uploaded later: its playlist waits for the window to pass it', async () => {
    const h = harness({ concurrency: 1, maxFiles: 2 });
    h.q.file('v/1.ts', '/x/1', 'segment');
    await settle();
    h.q.file('v/2.ts', '/x/2', 'segment');
    h.q.playlist('v/index.m3u8', media('1.ts', '2.ts'), ['v/1.ts', 'v/2.ts']);
    h.q.file('v/3.ts', '/x/3', 'segment'); // over the bound: v/2.ts is dropped
    h.q.playlist('v/index.m3u8', media('1.ts', '2.ts', '3.ts'), ['v/1.ts', 'v/2.ts', 'v/3.ts']);
    await settle();
    await h.answer('v/1.ts');
    await h.answer('v/3.ts');
    expect(h.open()).toEqual([]);
    h.q.file('v/4.ts', '/x/4', 'segment');
    h.q.playlist('v/index.m3u8', media('3.ts', '4.ts'), ['v/3.ts', 'v/4.ts']);
    await settle();
    await h.answer('v/4.ts');
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
    const puts = h.calls.filter((c) => c.rel === 'v/index.m3u8').map((c) => c.text);
    expect(puts).toEqual([media('3.ts', '4.ts')]);
  });
});

describe('deletes', () => {
  test('a removed file is deleted only after the playlist that dropped it is visible, plus the delay', async () => {
    const h = harness({ removeDelayMs: 1_000 });
    h.q.file('v/a.ts', '/x/a', 'segment');
    h.q.playlist('v/index.m3u8', media('a.ts'), ['v/a.ts']);
    await settle();
    await h.answer('v/a.ts');
    await h.answer('v/index.m3u8');
    h.q.file('v/b.ts', '/x/b', 'segment');
    h.q.playlist('v/index.m3u8', media('b.ts'), ['v/b.ts']);
    h.q.remove('v/a.ts');
    await settle();
    expect(h.open()).toEqual(['PUT v/b.ts']);
    await h.answer('v/b.ts');
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.open()).toEqual(['PUT v/index.m3u8']); // the old version, listing a.ts, is still the visible one
    await h.answer('v/index.m3u8');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.open()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.open()).toEqual(['DELETE v/a.ts']);
    await h.answer('v/a.ts');
    expect(h.q.stats().deletes).toEqual({ ok: 1, failed: 0 });
  });

  test('a file removed before it went up is cancelled (expired), with no DELETE', async () => {
    const h = harness({ concurrency: 1 });
    h.q.file('v/a.ts', '/x/a', 'segment');
    h.q.file('v/b.ts', '/x/b', 'segment');
    await settle();
    h.q.remove('v/b.ts');
    await h.answer('v/a.ts');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.calls.map((c) => `${c.method} ${c.rel}`)).toEqual(['PUT v/a.ts']);
    expect(h.q.stats().dropped.expired).toBe(1);
    expect(h.released).toContain('/x/b');
  });

  test('a file this queue never saw (a predecessor uploaded it) is still deleted', async () => {
    const h = harness({ removeDelayMs: 0 });
    h.q.remove('v/old.ts');
    await settle();
    expect(h.open()).toEqual(['DELETE v/old.ts']);
  });
});

describe('close', () => {
  test('close flushes what can go (deletes without their delay), then aborts the rest after the timeout', async () => {
    const h = harness({ removeDelayMs: 60_000 });
    h.q.remove('v/old.ts');
    h.q.file('v/a.ts', '/x/a', 'segment');
    await settle();
    const closing = h.q.close(2_000);
    await settle();
    expect(h.open().sort()).toEqual(['DELETE v/old.ts', 'PUT v/a.ts']);
    await h.answer('v/old.ts');
    await vi.advanceTimersByTimeAsync(2_000);
    await closing;
    expect(h.calls.find((c) => c.rel === 'v/a.ts')?.signal.aborted).toBe(true);
    expect(h.q.stats().dropped.closed).toBe(1);
    h.q.file('v/b.ts', '/x/b', 'segment');
    await settle();
    expect(h.calls.some((c) => c.rel === 'v/b.ts')).toBe(false);
    await h.q.close(10); // idempotent
  });

  test('close resolves as soon as the queue is empty', async () => {
    const h = harness();
    h.q.file('v/a.ts', '/x/a', 'segment');
    await settle();
    let done = false;
    const closing = h.q.close(60_000).then(() => (done = true));
    await h.answer('v/a.ts');
    await closing;
    expect(done).toBe(true);
    expect(h.q.stats().dropped.closed).toBe(0);
  });
});

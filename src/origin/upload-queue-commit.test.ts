import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { harness, settle } from '../../test/helpers/upload-queue-kit.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the write-ahead commit gate (continuity record, fenced by the lease)', () => {
  test('a playlist is committed before its PUT, with the text that goes up', async () => {
    const committed: string[] = [];
    const h = harness({}, {}, [], async (rel, text) => {
      committed.push(`${rel}:${text}`);
      return true;
    });
    h.q.file('v/a.ts', '/x/a', 'segment');
    h.q.playlist('v/index.m3u8', 'P1', ['v/a.ts']);
    await settle();
    expect(committed).toEqual([]);
    await h.answer('v/a.ts');
    expect(committed).toEqual(['v/index.m3u8:P1']);
    expect(h.open()).toEqual(['PUT v/index.m3u8']);
  });

  test('a failed commit (registry unreachable) retries that playlist with backoff; files keep flowing', async () => {
    let fail = true;
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 1_000 } }, {}, [], async () => {
      if (fail) throw new Error('registry unreachable');
      return true;
    });
    h.q.playlist('v/index.m3u8', 'P1', []);
    await settle();
    expect(h.open()).toEqual([]);
    expect(h.q.stats().lastError?.code).toBe('ORIGIN_COMMIT_FAILED');
    h.q.file('v/b.ts', '/x/b', 'segment');
    await settle();
    expect(h.open()).toEqual(['PUT v/b.ts']);
    fail = false;
    await vi.advanceTimersByTimeAsync(499);
    expect(h.open()).toEqual(['PUT v/b.ts']);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.open()).toEqual(['PUT v/b.ts', 'PUT v/index.m3u8']);
  });

  test('fenced (another instance owns the stream): that playlist and everything after it is dropped, nothing more is sent', async () => {
    const h = harness({ concurrency: 1 }, {}, [], async () => false);
    h.q.file('v/a.ts', '/x/a', 'segment');
    h.q.playlist('v/index.m3u8', 'P1', ['v/a.ts']);
    h.q.file('v/b.ts', '/x/b', 'segment');
    h.q.remove('v/old.ts');
    await settle();
    await h.answer('v/a.ts');
    await vi.advanceTimersByTimeAsync(60_000);
    h.q.file('v/c.ts', '/x/c', 'segment');
    h.q.playlist('v/index.m3u8', 'P2', []);
    await settle();
    expect(h.calls.map((c) => `${c.method} ${c.rel}`)).toEqual(['PUT v/a.ts']);
    expect(h.q.stats().dropped.fenced).toBe(5);
    expect(h.q.stats().lastError?.code).toBe('ORIGIN_FENCED');
    expect(h.released).toContain('/x/b');
  });
});

import { afterEach, describe, expect, test, vi } from 'vitest';
import type { StreamDirectory, StreamSnapshot, StreamState } from '../stream/stream-snapshot.js';
import { StreamHistory } from './stream-history.js';
import { fakeSnapshot, framesOf } from '../../test/helpers/stream-snapshot.js';

/** snap is a snapshot with the fields the history reads set, the rest filled plausibly. */
function snap(key: string, state: StreamState, out: number, model: number, p50 = 20, p99 = 40): StreamSnapshot {
  return fakeSnapshot(key, { state, startedAt: 0, ...framesOf(out, model), latencyMs: { p50, p99 }, outputFps: 25 });
}

/** dir is a directory whose list the test sets between samples. */
function dir(): StreamDirectory & { set(s: StreamSnapshot[]): void } {
  let list: StreamSnapshot[] = [];
  return { list: () => list, get: (k) => list.find((s) => s.key === k), set: (s) => void (list = s) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamHistory', () => {
  test('AI share per interval (not since the start), latency and fps per sample; since filters', () => {
    const d = dir();
    let t = 1000;
    const h = new StreamHistory(d, { now: () => t });
    d.set([snap('a', 'live', 100, 100, 10, 30)]);
    h.sample();
    t += 2000;
    d.set([snap('a', 'live', 150, 110, 12, 90)]); // 10 of the last 50 through the model
    h.sample();
    t += 2000;
    d.set([snap('a', 'live', 150, 110)]); // nothing new: unknown, not 0
    h.sample();
    const body = h.body();
    expect(body.streams['a']).toEqual([
      { t: 1000, p50: 10, p99: 30, aiShare: 1, fps: 25 },
      { t: 3000, p50: 12, p99: 90, aiShare: 0.2, fps: 25 },
      { t: 5000, p50: 20, p99: 40, aiShare: null, fps: 25 },
    ]);
    expect(body.now).toBe(5000);
    expect(h.body(3000).streams['a']).toHaveLength(1);
  });

  test('keeps only the window, stops sampling an ended stream and forgets one no longer listed', () => {
    const d = dir();
    let t = 0;
    const h = new StreamHistory(d, { now: () => t, windowMs: 5000 });
    for (let i = 0; i < 6; i++) {
      d.set([snap('a', 'live', i * 50, i * 25), snap('b', i < 2 ? 'live' : 'ended', 10, 5)]);
      h.sample();
      t += 2000;
    }
    expect(h.body().streams['a']?.map((p) => p.t)).toEqual([6000, 8000, 10000]);
    expect(h.body().streams['b']?.map((p) => p.t)).toEqual([0, 2000]);
    d.set([snap('a', 'live', 300, 150)]);
    h.sample();
    expect(Object.keys(h.body().streams)).toEqual(['a']);
  });

  test('start samples at once and on a timer; close stops it; a throwing directory is survived', () => {
    vi.useFakeTimers();
    const d = dir();
    let failing = false;
    const throwing: StreamDirectory = {
      list: () =>
        failing
          ? (() => {
              throw new Error('boom');
            })()
          : d.list(),
      get: d.get,
    };
    d.set([snap('a', 'live', 10, 10)]);
    const h = new StreamHistory(throwing, { intervalMs: 1000 });
    h.start();
    expect(h.body().streams['a']).toHaveLength(1);
    failing = true;
    vi.advanceTimersByTime(1000);
    failing = false;
    vi.advanceTimersByTime(1000);
    expect(h.body().streams['a']).toHaveLength(2);
    h.close();
    h.close();
    vi.advanceTimersByTime(5000);
    expect(h.body().streams['a']).toHaveLength(2);
  });
});

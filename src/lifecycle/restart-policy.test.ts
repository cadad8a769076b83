import { describe, expect, test } from 'vitest';
import { RestartPolicy, streamRestarts, workerRestarts } from './restart-policy.js';

describe('RestartPolicy', () => {
  test('a stream restarts 5 times a minute with growing delays, then gives up; the window slides', () => {
    let t = 0;
    const p = streamRestarts(5, () => t);
    const delays = [1, 2, 3, 4, 5].map(() => {
      const d = p.next();
      t += 1_000;
      return d.restart ? d.delayMs : -1;
    });
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000]);
    expect(p.next()).toEqual({ restart: false, recent: 5 });
    t += 60_000;
    expect(p.next()).toEqual({ restart: true, delayMs: 250, k: 1 });
  });

  test('workers: at once three times, then backing off to 30 s, never giving up', () => {
    const t = 0;
    const p = workerRestarts(() => t);
    const delays = Array.from({ length: 10 }, () => {
      const d = p.next();
      return d.restart ? d.delayMs : -1;
    });
    expect(delays).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  test('recent counts only the window', () => {
    let t = 0;
    const p = new RestartPolicy({ windowMs: 10, maxInWindow: 3, delayMs: () => 0, now: () => t });
    p.next();
    t = 5;
    p.next();
    expect(p.recent).toBe(2);
    t = 12;
    expect(p.recent).toBe(1);
  });
});

import { expect, test } from 'vitest';
import { backoffDelay } from './backoff.js';

const policy = { baseMs: 250, maxMs: 4_000 };

test.each([
  [1, 0, 125],
  [1, 0.999999, 250],
  [2, 0, 250],
  [3, 0.5, 750],
  [5, 0, 2_000],
  [6, 0, 2_000],
  [60, 0.999999, 4_000],
  [0, 0, 125],
])('failure %i with random %f waits %i ms', (n, r, ms) => {
  expect(backoffDelay(n, policy, () => r)).toBe(ms);
});

test('jitter spreads the delay over the upper half of the ceiling', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(4, policy);
    expect(d).toBeGreaterThanOrEqual(1_000);
    expect(d).toBeLessThanOrEqual(2_000);
    seen.add(d);
  }
  expect(seen.size).toBeGreaterThan(20);
});

import { expect, test } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

test('at most N attempts per window per client; the window slides', () => {
  const r = new RateLimiter(3, 1000);
  expect([r.allow('a', 0), r.allow('a', 10), r.allow('a', 20), r.allow('a', 30)]).toEqual([true, true, true, false]);
  expect(r.allow('b', 30)).toBe(true);
  expect(r.allow('a', 1005)).toBe(true);
  expect(r.allow('a', 1006)).toBe(false);
});

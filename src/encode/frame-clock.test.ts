import { expect, test } from 'vitest';
import { FrameClock } from './frame-clock.js';

test('gives each marked frame its time, and counts on by the frame interval past what it knows', () => {
  const c = new FrameClock(25);
  expect(Number.isNaN(c.at(0))).toBe(true);
  [1000, 1041, 1079, 1122].forEach((t, n) => c.mark(n, t));
  expect([0, 1, 2, 3].map((n) => c.at(n))).toEqual([1000, 1041, 1079, 1122]);
  expect(c.at(5)).toBe(1122 + 80);
  c.release(2);
  expect(c.at(2)).toBe(1079);
  expect(c.at(0)).toBe(1079 - 80); // released: counted back from the oldest kept
  c.release(100);
  expect(c.at(3)).toBe(1122); // the newest stays
});

test('bounded: past its capacity the oldest go', () => {
  const c = new FrameClock(10, 3);
  for (let n = 0; n < 10; n++) c.mark(n, n * 100);
  expect(c.at(9)).toBe(900);
  expect(c.at(7)).toBe(700);
  expect(c.at(2)).toBe(200); // estimated from frame 7
});

test('frames must be marked in order', () => {
  const c = new FrameClock(25);
  c.mark(0, 1);
  expect(() => c.mark(2, 3)).toThrow(/out of order/);
});

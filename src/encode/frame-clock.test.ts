import { expect, test } from 'vitest';
import { FrameClock } from './frame-clock.js';

test('dates frames on one line at the frame rate, anchored on the earliest arrival relative to media time', () => {
  const c = new FrameClock(25);
  expect(Number.isNaN(c.at(0))).toBe(true);
  // A decoder catching up: frames 0-4 arrive together at 10 000, then at the publisher's pace.
  [10_000, 10_002, 10_004, 10_006, 10_008].forEach((t, n) => c.mark(n, t));
  expect(c.at(0)).toBe(10_008 - 160); // pulled back by the burst: frame 4 arrived 160 ms "early"
  // Then at the publisher's pace (frame n due at 9 700 + 40 n; the burst's frames were late), with jitter.
  for (let n = 5; n < 50; n++) c.mark(n, 9_700 + n * 40 + (n % 3) * 7);
  expect(c.at(0)).toBe(9_700);
  expect(c.at(25)).toBe(10_700);
  // A stall: late frames keep their on-time date (the viewer's delay includes the stall).
  c.mark(50, 9_700 + 50 * 40 + 1500);
  expect(c.at(50)).toBe(9_700 + 2000);
});

test('frames must be marked in order', () => {
  const c = new FrameClock(25);
  c.mark(0, 1);
  expect(() => c.mark(2, 3)).toThrow(/out of order/);
});

import { expect, test } from 'vitest';
import { RateWindow } from './rate-window.js';

test('30 events per second over the window', () => {
  const w = new RateWindow(2000);
  for (let i = 0; i <= 90; i++) w.mark(i * (1000 / 30));
  expect(w.rate(3000)).toBeCloseTo(30, 0);
});

test('old events leave the window', () => {
  const w = new RateWindow(1000);
  for (let i = 0; i < 10; i++) w.mark(i * 10);
  expect(w.rate(5000)).toBe(0);
});

import { describe, expect, test } from 'vitest';
import { FlickerMeter, fmt, meanAbsDiff, median } from './bench-stats.js';

describe('bench stats', () => {
  test.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('median of %j is %d', (v, m) => {
    expect(median(v)).toBe(m);
  });

  test('median of nothing is NaN; fmt says n/a for it', () => {
    expect(median([])).toBeNaN();
    expect(fmt(NaN)).toBe('n/a');
    expect(fmt(1.23456, 3)).toBe('1.235');
  });

  test('meanAbsDiff over all or every k-th sample; rejects mismatched planes', () => {
    const a = Uint8Array.from([0, 10, 20, 30]);
    const b = Uint8Array.from([5, 10, 10, 30]);
    expect(meanAbsDiff(a, b)).toBe(15 / 4);
    expect(meanAbsDiff(a, b, 2)).toBe((5 + 10) / 2);
    expect(() => meanAbsDiff(a, new Uint8Array(3))).toThrow(RangeError);
    expect(() => meanAbsDiff(a, b, 0)).toThrow(RangeError);
  });

  test('FlickerMeter averages consecutive differences and keeps its own copy of the previous plane', () => {
    const m = new FlickerMeter();
    const buf = new Uint8Array(4);
    m.add(buf);
    expect(m.value).toBeNaN();
    buf.fill(4); // the caller reuses its buffer
    m.add(buf);
    buf.fill(6);
    m.add(buf);
    expect(m.count).toBe(2);
    expect(m.value).toBe((4 + 2) / 2);
  });
});

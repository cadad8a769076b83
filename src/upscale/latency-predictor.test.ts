import { describe, expect, test } from 'vitest';
import { LatencyPredictor, Ring, percentile, predictionKey, sizeKey } from './latency-predictor.js';

describe('percentile (nearest rank)', () => {
  test.each([
    [[5], 0.95, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[4, 3, 2, 1], 0.75, 3],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.01, 1],
    [[10, 20, 30], 1, 30],
  ])('%j at p=%f is %f', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('empty is NaN', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('Ring', () => {
  test('keeps only the most recent samples', () => {
    const r = new Ring(3);
    for (const v of [100, 1, 2, 3]) r.push(v);
    expect(r.size).toBe(3);
    expect(r.max()).toBe(3);
    expect(r.percentile(1)).toBe(3);
  });
});

describe('LatencyPredictor', () => {
  const key = sizeKey(640, 360);

  test.each([
    ['nothing known', undefined, [], undefined],
    ['warm-up only', 40, [], 40],
    ['warm-up, fewer samples, all faster', 40, [30, 35], 40],
    ['warm-up, fewer samples, one slower', 40, [30, 55], 55],
    ['no warm-up, a few samples: the slowest', undefined, [20, 25], 25],
    ['enough samples: p95 of them, warm-up ignored', 100, [10, 11, 12, 13, 14, 15, 16, 17], 17],
  ])('%s', (_, warm, samples, expected) => {
    const p = new LatencyPredictor({ window: 16, minSamples: 8 });
    if (warm !== undefined) p.setWarmUp(key, warm);
    for (const s of samples) p.record(key, s);
    expect(p.predict(key)).toBe(expected);
  });

  test('follows recent times only (old samples leave the window)', () => {
    const p = new LatencyPredictor({ window: 8, minSamples: 4, percentile: 0.95 });
    for (let i = 0; i < 8; i++) p.record(key, 100);
    expect(p.predict(key)).toBe(100);
    for (let i = 0; i < 8; i++) p.record(key, 10);
    expect(p.predict(key)).toBe(10);
  });

  test('a high percentile ignores a rare outlier but not a frequent one', () => {
    const p = new LatencyPredictor({ window: 40, minSamples: 8, percentile: 0.95 });
    for (let i = 0; i < 39; i++) p.record(key, 20);
    p.record(key, 500);
    expect(p.predict(key)).toBe(20);
    for (let i = 0; i < 3; i++) p.record(key, 500);
    expect(p.predict(key)).toBe(500);
  });

  test('sizes are tracked separately; bad samples are ignored', () => {
    const p = new LatencyPredictor({ minSamples: 1 });
    p.record(sizeKey(1280, 720), 80);
    p.record(key, 20);
    p.record(key, Number.NaN);
    p.record(key, -1);
    expect(p.predict(key)).toBe(20);
    expect(p.predict(sizeKey(1280, 720))).toBe(80);
    expect(p.samples(key)).toBe(1);
  });
});

describe('predictionKey', () => {
  test('separates models and sizes', () => {
    expect(predictionKey('a', 640, 360)).toBe('a@640x360');
    expect(new Set([predictionKey('a', 640, 360), predictionKey('b', 640, 360), predictionKey('a', 1280, 720)]).size).toBe(3);
  });
});

describe('LatencyPredictor.restart', () => {
  test('forgets the samples and predicts from the new figure', () => {
    const p = new LatencyPredictor({ minSamples: 2 });
    for (let i = 0; i < 10; i++) p.record('k', 400);
    expect(p.predict('k')).toBe(400);
    p.restart('k', 20);
    expect(p.samples('k')).toBe(0);
    expect(p.predict('k')).toBe(20);
    p.record('k', 30);
    expect(p.predict('k')).toBe(30); // below minSamples: the warm-up raised to the slowest seen
  });
});

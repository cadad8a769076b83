import { describe, expect, test } from 'vitest';
import { frameGeometry } from '../media/frame.js';
import { framesFor, syntheticFrames } from './stage-throughput.js';

describe('framesFor', () => {
  test.each([
    [40, 4_000, 4, 120, 100],
    [300, 4_000, 4, 120, 14],
    [5_000, 4_000, 4, 120, 4],
    [1, 4_000, 4, 120, 120],
    [0, 4_000, 4, 120, 120],
  ])('%d ms/frame for %d ms within [%d, %d] -> %d frames', (ms, target, min, max, n) => {
    expect(framesFor(ms, target, min, max)).toBe(n);
  });
});

describe('syntheticFrames', () => {
  test('distinct textured frames with neutral chroma', () => {
    const g = frameGeometry(32, 18);
    const [a, b] = syntheticFrames(g, 2);
    if (!a || !b) throw new Error('two frames expected');
    expect(a.length).toBe(g.frameSize);
    expect(a.subarray(0, g.lumaSize)).not.toEqual(b.subarray(0, g.lumaSize));
    expect(new Set(a.subarray(0, g.lumaSize)).size).toBeGreaterThan(16);
    expect(a.subarray(g.lumaSize).every((v) => v === 128)).toBe(true);
  });
});

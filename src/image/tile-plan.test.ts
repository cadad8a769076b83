import { describe, expect, test } from 'vitest';
import { planTiles } from './tile-plan.js';

describe('planTiles', () => {
  test.each([
    [1, 1],
    [16, 16],
    [17, 9],
    [100, 37],
  ])('%dx%d: cores cover every pixel once, regions add at most the margin inside the picture', (w, h) => {
    const layout = { tile: 16, margin: 8 };
    const tiles = planTiles(w, h, layout);
    const seen = new Uint8Array(w * h);
    for (const t of tiles) {
      for (let y = t.core.y; y < t.core.y + t.core.h; y++) for (let x = t.core.x; x < t.core.x + t.core.w; x++) seen[y * w + x]! += 1;
      expect(t.region.x).toBe(Math.max(0, t.core.x - 8));
      expect(t.region.y).toBe(Math.max(0, t.core.y - 8));
      expect(t.region.x + t.region.w).toBe(Math.min(w, t.core.x + t.core.w + 8));
      expect(t.region.y + t.region.h).toBe(Math.min(h, t.core.y + t.core.h + 8));
      expect(t.region.x % 2).toBe(0);
    }
    expect(seen.every((v) => v === 1)).toBe(true);
    expect(tiles.map((t) => t.index)).toEqual(tiles.map((_, i) => i));
    expect(tiles.length).toBe(Math.ceil(w / 16) * Math.ceil(h / 16));
  });

  test('refuses nonsense', () => {
    expect(() => planTiles(0, 5)).toThrow(RangeError);
    expect(() => planTiles(5, 5, { tile: 0, margin: 1 })).toThrow(RangeError);
  });
});

import { describe, expect, test } from 'vitest';
import { mergeRuns, tileGrid, tilePixels, tileRect } from './tile-grid.js';

describe('tile grid', () => {
  test('tiles cover the frame once; the last column and row take the remainder', () => {
    const g = tileGrid(150, 70, 64);
    expect([g.cols, g.rows, g.count]).toEqual([3, 2, 6]);
    expect(tileRect(g, 2)).toEqual({ x: 128, y: 0, width: 22, height: 64 });
    expect(tileRect(g, 5)).toEqual({ x: 128, y: 64, width: 22, height: 6 });
    let area = 0;
    for (let i = 0; i < g.count; i++) area += tilePixels(g, i);
    expect(area).toBe(150 * 70);
  });

  test('mergeRuns joins adjacent tiles of one row, never across rows', () => {
    const g = tileGrid(256, 128, 64); // 4 x 2
    const runs = mergeRuns(g, [6, 0, 1, 3, 4, 5, 7]);
    expect(runs.map((r) => [r.rect, r.tiles])).toEqual([
      [{ x: 0, y: 0, width: 128, height: 64 }, [0, 1]],
      [{ x: 192, y: 0, width: 64, height: 64 }, [3]],
      [{ x: 0, y: 64, width: 256, height: 64 }, [4, 5, 6, 7]],
    ]);
  });

  test('refuses silly tiles', () => {
    expect(() => tileGrid(100, 100, 4)).toThrow(RangeError);
  });
});

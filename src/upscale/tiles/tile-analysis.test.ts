import { describe, expect, test } from 'vitest';
import { changedTiles, tileDetail } from './tile-analysis.js';
import { tileGrid } from './tile-grid.js';

describe('tile analysis', () => {
  test('a changed pixel marks its tile and every tile whose halo reaches it', () => {
    const g = tileGrid(64, 64, 16); // 4 x 4
    const prev = new Uint8Array(64 * 64).fill(50);
    const cur = prev.slice();
    cur[19 * 64 + 19] = 51; // inside tile (1, 1), 3 px from its top-left corner
    expect([...changedTiles(prev, cur, g, 0)].map((v, i) => (v ? i : -1)).filter((i) => i >= 0)).toEqual([5]);
    // a halo of 4 reaches tiles (0,0), (0,1), (1,0): the pixel is within 4 px of them
    expect([...changedTiles(prev, cur, g, 4)].map((v, i) => (v ? i : -1)).filter((i) => i >= 0)).toEqual([0, 1, 4, 5]);
    expect([...changedTiles(prev, prev.slice(), g, 8)].every((v) => v === 0)).toBe(true);
    expect([...changedTiles(null, cur, g, 8)].every((v) => v === 1)).toBe(true);
  });

  test('detail is zero on flat tiles and grows with edges', () => {
    const g = tileGrid(32, 16, 16);
    const y = new Uint8Array(32 * 16).fill(100);
    for (let r = 0; r < 16; r++) for (let c = 16; c < 32; c++) y[r * 32 + c] = c % 2 ? 200 : 40;
    const d = tileDetail(y, g);
    expect(d[0]).toBe(0);
    expect(d[1]).toBeGreaterThan(100);
  });
});

import { describe, expect, test } from 'vitest';
import { cropPlane, packYuv420p, padPlaneEdge } from './yuv420p-pack.js';

describe('padPlaneEdge / cropPlane', () => {
  test.each([
    [[1, 2, 3, 4, 5, 6], 3, 2, 4, 3, [1, 2, 3, 3, 4, 5, 6, 6, 4, 5, 6, 6]],
    [[9], 1, 1, 2, 2, [9, 9, 9, 9]],
    [[1, 2, 3, 4], 2, 2, 2, 2, [1, 2, 3, 4]],
  ])('%j (%dx%d) padded to %dx%d', (src, w, h, dw, dh, out) => {
    const padded = padPlaneEdge(Uint8Array.from(src), w, h, dw, dh);
    expect([...padded]).toEqual(out);
    expect([...cropPlane(padded, dw, w, h)]).toEqual(src);
  });

  test('refuses to shrink', () => {
    expect(() => padPlaneEdge(new Uint8Array(4), 2, 2, 1, 2)).toThrow(RangeError);
    expect(() => cropPlane(new Uint8Array(4), 2, 3, 1)).toThrow(RangeError);
  });
});

describe('packYuv420p', () => {
  test('a 3x3 picture becomes 4x4 with 2x2 averaged chroma', () => {
    const y = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const cb = Uint8Array.from([100, 101, 200, 100, 102, 200, 0, 0, 0]);
    const cr = new Uint8Array(9).fill(128);
    const f = packYuv420p({ width: 3, height: 3, planes: [y, cb, cr] });
    expect([f.width, f.height, f.data.length]).toEqual([4, 4, 16 + 4 + 4]);
    expect([...f.data.subarray(0, 16)]).toEqual([10, 20, 30, 30, 40, 50, 60, 60, 70, 80, 90, 90, 70, 80, 90, 90]);
    // (100+101+100+102)/4 = 100.75 -> 101; (200+200+200+200)/4; bottom rows are 0 repeated.
    expect([...f.data.subarray(16, 20)]).toEqual([101, 200, 0, 0]);
    expect([...f.data.subarray(20, 24)]).toEqual([128, 128, 128, 128]);
  });
});

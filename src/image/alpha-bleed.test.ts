import { describe, expect, test } from 'vitest';
import { bleedUnderTransparency } from './alpha-bleed.js';

describe('bleedUnderTransparency', () => {
  test('colour under alpha 0 becomes the colour of the nearest visible pixels; visible pixels are untouched', () => {
    // 6x1: visible 10 and 20 at the left, then four transparent pixels holding 999.
    const p = Float32Array.from([10, 20, 999, 999, 999, 999]);
    const a = Float32Array.from([255, 128, 0, 0, 0, 0]);
    bleedUnderTransparency([p], a, 6, 1, 2);
    expect([...p.subarray(0, 2)]).toEqual([10, 20]);
    expect(p[2]).toBe(20);
    expect(p[3]).toBe(20);
    // Beyond two rings: the mean of the visible pixels.
    expect([p[4], p[5]]).toEqual([15, 15]);
  });

  test('a ring takes the mean of its filled neighbours, all planes alike', () => {
    const a = Float32Array.from([0, 0, 0, 255, 0, 255, 0, 0, 0]);
    const p1 = Float32Array.from([0, 0, 0, 30, 0, 50, 0, 0, 0]);
    const p2 = Float32Array.from([7, 7, 7, 1, 7, 3, 7, 7, 7]);
    bleedUnderTransparency([p1, p2], a, 3, 3);
    expect([...p1]).toEqual([30, 40, 50, 30, 40, 50, 30, 40, 50]);
    expect([...p2]).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });

  test('no hole, or nothing visible: unchanged', () => {
    const p = Float32Array.from([1, 2, 3]);
    bleedUnderTransparency([p], Float32Array.from([1, 1, 1]), 3, 1);
    bleedUnderTransparency([p], Float32Array.from([0, 0, 0]), 3, 1);
    expect([...p]).toEqual([1, 2, 3]);
  });
});

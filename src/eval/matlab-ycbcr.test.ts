import { describe, expect, test } from 'vitest';
import { matlabYFloat, rgbToMatlabY, rgbToMatlabYcbcr } from './matlab-ycbcr.js';
import { createRgbImage } from '../image/rgb-image.js';

describe('MATLAB rgb2ycbcr (uint8)', () => {
  test.each([
    // [r, g, b] -> [Y, Cb, Cr] as MATLAB prints them for uint8 input.
    [
      [0, 0, 0],
      [16, 128, 128],
    ],
    [
      [255, 255, 255],
      [235, 128, 128],
    ],
    [
      [255, 0, 0],
      [81, 90, 240],
    ],
    [
      [0, 255, 0],
      [145, 54, 34],
    ],
    [
      [0, 0, 255],
      [41, 240, 110],
    ],
    [
      [128, 128, 128],
      [126, 128, 128],
    ],
  ])('%j -> %j', (rgb, ycc) => {
    const img = createRgbImage(1, 1, Uint8Array.from(rgb));
    const p = rgbToMatlabYcbcr(img);
    expect(p.planes.map((c) => c[0])).toEqual(ycc);
    expect(rgbToMatlabY(img)[0]).toBe(ycc[0]);
  });

  test('the float Y is the formula of the protocol', () => {
    expect(matlabYFloat(255, 0, 0)).toBeCloseTo(16 + 65.481, 10);
    expect(matlabYFloat(10, 20, 30)).toBeCloseTo(16 + (65.481 * 10 + 128.553 * 20 + 24.966 * 30) / 255, 12);
  });

  test('planes follow the pixel order', () => {
    const img = createRgbImage(2, 1, Uint8Array.from([0, 0, 0, 255, 255, 255]));
    expect([...rgbToMatlabY(img)]).toEqual([16, 235]);
  });
});

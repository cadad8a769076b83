import { describe, expect, test } from 'vitest';
import { jfifYcbcrToRgb, rgbToJfifYcbcr } from './jfif-ycbcr.js';
import { createRgbImage } from './rgb-image.js';

describe('JFIF full-range YCbCr', () => {
  test.each([
    [[0, 0, 0], [0, 128, 128]],
    [[255, 255, 255], [255, 128, 128]],
    [[255, 0, 0], [76, 85, 255]],
    [[0, 255, 0], [150, 44, 21]],
    [[0, 0, 255], [29, 255, 107]],
    [[90, 90, 90], [90, 128, 128]],
  ])('%j -> %j', (rgb, ycc) => {
    const p = rgbToJfifYcbcr(createRgbImage(1, 1, Uint8Array.from(rgb)));
    expect(p.planes.map((c) => c[0])).toEqual(ycc);
  });

  test('greys survive the round trip exactly', () => {
    const img = createRgbImage(256, 1, Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3)));
    expect(jfifYcbcrToRgb(rgbToJfifYcbcr(img))).toEqual(img);
  });

  test('every colour of a 16-level RGB cube comes back within 2 levels per channel', () => {
    const levels = Array.from({ length: 16 }, (_, i) => i * 17);
    const px: number[] = [];
    for (const r of levels) for (const g of levels) for (const b of levels) px.push(r, g, b);
    const img = createRgbImage(16 * 16 * 16, 1, Uint8Array.from(px));
    const back = jfifYcbcrToRgb(rgbToJfifYcbcr(img));
    let worst = 0;
    back.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (img.data[i] as number)))));
    expect(worst).toBeLessThanOrEqual(2);
  });

  test('rejects planes of the wrong size', () => {
    expect(() => jfifYcbcrToRgb({ width: 2, height: 1, planes: [new Uint8Array(2), new Uint8Array(2), new Uint8Array(1)] })).toThrow(RangeError);
  });
});

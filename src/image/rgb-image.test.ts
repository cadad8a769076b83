import { describe, expect, test } from 'vitest';
import { createRgbImage, joinRgb, modCrop, splitRgb } from './rgb-image.js';

const ramp = (w: number, h: number) =>
  createRgbImage(
    w,
    h,
    Uint8Array.from({ length: w * h * 3 }, (_, i) => i % 251),
  );

describe('rgb-image', () => {
  test('split and join round-trip', () => {
    const img = ramp(5, 3);
    const p = splitRgb(img);
    expect(p.planes[1][2]).toBe(img.data[2 * 3 + 1]);
    expect(joinRgb(p)).toEqual(img);
  });

  test.each([
    [7, 5, 2, 6, 4],
    [8, 8, 4, 8, 8],
    [229, 343, 4, 228, 340],
  ])('modCrop %dx%d to a multiple of %d is %dx%d, top-left kept', (w, h, s, cw, ch) => {
    const img = ramp(w, h);
    const c = modCrop(img, s);
    expect([c.width, c.height]).toEqual([cw, ch]);
    const y = ch - 1;
    const x = cw - 1;
    expect(c.data[(y * cw + x) * 3 + 2]).toBe(img.data[(y * w + x) * 3 + 2]);
  });

  test.each([
    [() => createRgbImage(0, 3)],
    [() => createRgbImage(2, 2, new Uint8Array(11))],
    [() => modCrop(ramp(3, 3), 4)],
    [() => joinRgb({ width: 2, height: 2, planes: [new Uint8Array(4), new Uint8Array(4), new Uint8Array(3)] })],
  ])('rejects bad sizes (%#)', (f) => expect(f).toThrow(RangeError));
});

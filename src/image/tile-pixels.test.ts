import { describe, expect, test } from 'vitest';
import { joinTile, modelDetail, splitTile, type PixelLayout } from './tile-pixels.js';

/** identity joins a split tile at x1 (model = its own input), as a round trip. */
function roundTrip(raw: Uint8Array, w: number, h: number, l: PixelLayout): Uint8Array {
  const p = splitTile(raw, w, h, l);
  return joinTile(
    { width: w, height: h, y8: p.y8, y16: p.y16, y8Bicubic: p.y16 ? Float32Array.from(p.y8) : null, cb: p.cb, cr: p.cr, alpha: p.alpha },
    l,
  );
}

describe('splitTile and joinTile', () => {
  test('RGBA 8-bit: luma is full-range BT.601, a round trip is within one level, alpha exact', () => {
    const raw = Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 7, 255, 0, 0, 128, 10, 200, 30, 255]);
    const p = splitTile(raw, 4, 1, { bands: 4, depth: 8 });
    expect([...p.y8]).toEqual([255, 0, 76, 124]);
    expect([...(p.alpha ?? [])]).toEqual([255, 7, 128, 255]);
    const back = roundTrip(raw, 4, 1, { bands: 4, depth: 8 });
    back.forEach((v, i) => expect(Math.abs(v - (raw[i] as number)), `sample ${i}`).toBeLessThanOrEqual(1));
  });

  test('grey + alpha keeps two bands and exact values; the value under alpha 0 is bled from its neighbours', () => {
    const raw = Uint8Array.from([0, 255, 100, 0, 255, 30]);
    expect([...roundTrip(raw, 3, 1, { bands: 2, depth: 8 })]).toEqual([0, 255, 128, 0, 255, 30]);
  });

  test('16-bit RGB: a round trip keeps the low bits (not rounded to multiples of 257)', () => {
    const s = Uint16Array.from([1000, 2001, 3003, 65535, 12345, 7]);
    const raw = new Uint8Array(s.buffer);
    const back = new Uint16Array(roundTrip(raw, 2, 1, { bands: 3, depth: 16 }).buffer);
    back.forEach((v, i) => expect(Math.abs(v - (s[i] as number)), `sample ${i}`).toBeLessThanOrEqual(1));
  });

  test("16-bit: the model's detail over bicubic is added in 8-bit steps, less one step of coring", () => {
    const l: PixelLayout = { bands: 1, depth: 16 };
    const base = {
      width: 3,
      height: 1,
      y16: Float32Array.from([30000, 30000, 30000]),
      y8Bicubic: Float32Array.from([116.7, 116.7, 116.7]),
      cb: null,
      cr: null,
      alpha: null,
    };
    const out = new Uint16Array(joinTile({ ...base, y8: Uint8Array.from([117, 118, 112]) }, l).buffer);
    expect([...out]).toEqual([30000, 30000, 30000 - 257 * 4]);
  });

  test.each([
    [117, 116.7, 0],
    [118, 116.7, 0],
    [119, 116.7, 1],
    [100, 116.7, -16],
    [116, 116.4, 0],
  ])('modelDetail(%d, %d) = %d', (m, b, d) => expect(modelDetail(m, b)).toBe(d));
});

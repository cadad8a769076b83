import { describe, expect, test } from 'vitest';
import { resizePlaneBicubic } from '../upscale/bicubic.js';
import { upscalePlane } from './plane-resample.js';

const w = 23;
const h = 17;
const plane = Float32Array.from({ length: w * h }, (_, i) => ((i * 2654435761) >>> 24) * 0.9 + (i % w) * 3);

describe('upscalePlane', () => {
  test.each([2, 3, 4])('x%d: a crop is exactly that part of the whole; a flat plane stays flat', (s) => {
    const whole = upscalePlane(plane, w, h, s);
    expect(whole.length).toBe(w * s * h * s);
    const crop = { x: 5, y: 7, w: 11, h: 9 };
    const part = upscalePlane(plane, w, h, s, crop);
    for (let y = 0; y < crop.h; y++)
      for (let x = 0; x < crop.w; x++) expect(part[y * crop.w + x]).toBe(whole[(crop.y + y) * w * s + crop.x + x]);
    const flat = upscalePlane(new Float32Array(w * h).fill(41.5), w, h, s);
    for (const v of flat) expect(v).toBeCloseTo(41.5, 4);
  });

  test('a tile with 2 pixels of context upscales to the same samples as the whole plane', () => {
    const s = 2;
    const whole = upscalePlane(plane, w, h, s);
    // Tile core x 6..13, y 4..9; region 2 more on each side.
    const rx = 4;
    const ry = 2;
    const rw = 12;
    const rh = 10;
    const region = new Float32Array(rw * rh);
    for (let y = 0; y < rh; y++) region.set(plane.subarray((ry + y) * w + rx, (ry + y) * w + rx + rw), y * rw);
    const core = upscalePlane(region, rw, rh, s, { x: 2 * s, y: 2 * s, w: 8 * s, h: 6 * s });
    for (let y = 0; y < 6 * s; y++)
      for (let x = 0; x < 8 * s; x++) expect(core[y * 8 * s + x]).toBeCloseTo(whole[(4 * s + y) * w * s + 6 * s + x] as number, 3);
  });

  test('agrees with the stage bicubic (uint8) to within one level', () => {
    const u8 = Uint8Array.from(plane, (v) => Math.min(255, Math.round(v)));
    const ref = resizePlaneBicubic(u8, w, h, w * 2, h * 2);
    const got = upscalePlane(Float32Array.from(u8), w, h, 2);
    for (let i = 0; i < ref.length; i++)
      expect(Math.abs(Math.min(255, Math.max(0, Math.round(got[i] as number))) - (ref[i] as number))).toBeLessThanOrEqual(1);
  });
});

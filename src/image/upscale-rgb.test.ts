import { describe, expect, test } from 'vitest';
import { bicubicLumaUpscaler } from './bicubic-luma-upscaler.js';
import type { LumaUpscaler } from './luma-upscaler.js';
import { createRgbImage } from './rgb-image.js';
import { upscaleRgb } from './upscale-rgb.js';

const solid = (w: number, h: number, rgb: readonly number[]) =>
  createRgbImage(w, h, Uint8Array.from({ length: w * h * 3 }, (_, i) => rgb[i % 3] as number));

describe('upscaleRgb', () => {
  test.each([
    [2, [200, 100, 50]],
    [4, [12, 240, 130]],
    [3, [128, 128, 128]],
  ])('x%d keeps a flat colour (within 1 level) at the new size', async (scale, rgb) => {
    const out = await upscaleRgb(solid(7, 5, rgb), scale, bicubicLumaUpscaler(scale));
    expect([out.image.width, out.image.height]).toEqual([7 * scale, 5 * scale]);
    out.image.data.forEach((v, i) => expect(Math.abs(v - (rgb[i % 3] as number))).toBeLessThanOrEqual(1));
    expect(out.inferMs).toBeGreaterThanOrEqual(0);
  });

  test('Y goes through the model and chroma does not', async () => {
    // A model that returns a black Y plane: grey in gives black out; the input it sees is full-range Y.
    const seen: number[] = [];
    const black: LumaUpscaler = {
      upscaleLuma: async (y, w, h) => {
        seen.push(...new Set(y));
        return { y: new Uint8Array(w * 2 * h * 2) };
      },
    };
    const out = await upscaleRgb(solid(4, 4, [255, 255, 255]), 2, black);
    expect(seen).toEqual([255]);
    expect(new Set(out.image.data)).toEqual(new Set([0]));
    expect(out.inferMs).toBeUndefined();
  });

  test('a model returning the wrong size is an error', async () => {
    const same: LumaUpscaler = { upscaleLuma: async (y) => ({ y }) };
    await expect(upscaleRgb(solid(4, 4, [1, 2, 3]), 2, same)).rejects.toThrow(/expected 64/);
  });
});

import { describe, expect, test } from 'vitest';
import { decodeImageAsync, detectImageFormat } from './decode-image.js';
import { encodeImage } from './encode-image.js';
import { createRgbImage } from './rgb-image.js';

// A smooth picture, so the lossy formats can be held to a small error.
const smooth = createRgbImage(24, 16, Uint8Array.from({ length: 24 * 16 * 3 }, (_, i) => {
  const p = Math.floor(i / 3);
  return [60 + 4 * (p % 24), 80 + 6 * Math.floor(p / 24), 150][i % 3] as number;
}));

const meanAbsError = (a: Uint8Array, b: Uint8Array): number => a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;

describe('encodeImage and decodeImageAsync', () => {
  test('PNG round-trips exactly', async () => {
    const bytes = await encodeImage(smooth, 'png');
    expect(detectImageFormat(bytes)).toBe('png');
    expect((await decodeImageAsync(bytes)).image).toEqual(smooth);
  });

  test.each(['jpeg', 'webp'] as const)('%s round-trips with a small error, and a lower quality makes a smaller file', async (format) => {
    const high = await encodeImage(smooth, format, { quality: 95 });
    const low = await encodeImage(smooth, format, { quality: 10 });
    expect(detectImageFormat(high)).toBe(format);
    const back = await decodeImageAsync(high);
    expect(back.format).toBe(format);
    expect([back.image.width, back.image.height]).toEqual([24, 16]);
    expect(meanAbsError(back.image.data, smooth.data)).toBeLessThan(4);
    expect(low.length).toBeLessThan(high.length);
  });
});

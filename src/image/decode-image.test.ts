import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { decodeImage, detectImageFormat } from './decode-image.js';
import { encodePng } from './encode-png.js';
import { createRgbImage } from './rgb-image.js';

const sample = createRgbImage(5, 4, Uint8Array.from({ length: 60 }, (_, i) => (i * 41) % 256));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof UprezError ? err.code : 'not an UprezError';
  }
  return undefined;
}

describe('detectImageFormat', () => {
  test.each([
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], 'png'],
    [[0xff, 0xd8, 0xff, 0xe0], 'jpeg'],
    [[0x89, 0x50, 0x4e, 0x47], undefined],
    [[0x42, 0x4d, 0, 0], undefined],
    [[], undefined],
  ])('%j -> %s', (bytes, format) => expect(detectImageFormat(Uint8Array.from(bytes))).toBe(format));
});

describe('decodeImage', () => {
  test('PNG round-trips exactly through encodePng', () => {
    const png = encodePng(sample);
    expect(detectImageFormat(png)).toBe('png');
    expect(decodeImage(png)).toEqual(sample);
  });

  test('an RGBA PNG loses its alpha, and a grey PNG comes back as R = G = B', () => {
    const rgba = new PNG({ width: 2, height: 1 });
    rgba.data = Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]);
    expect([...decodeImage(PNG.sync.write(rgba)).data]).toEqual([10, 20, 30, 40, 50, 60]);
    const grey = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    grey.data = Buffer.from([7, 200]);
    expect([...decodeImage(PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false })).data]).toEqual([7, 7, 7, 200, 200, 200]);
  });

  test('JPEG decodes to RGB close to the source', () => {
    const flat = createRgbImage(16, 16, new Uint8Array(16 * 16 * 3).map((_, i) => [200, 100, 50][i % 3] as number));
    const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? 255 : (flat.data[Math.floor(i / 4) * 3 + (i % 4)] as number)));
    const img = decodeImage(jpeg.encode({ width: 16, height: 16, data: rgba }, 95).data);
    expect([img.width, img.height]).toEqual([16, 16]);
    img.data.forEach((v, i) => expect(Math.abs(v - (flat.data[i] as number))).toBeLessThanOrEqual(3));
  });

  test.each([
    ['text', 'IMAGE_UNSUPPORTED', Buffer.from('hello, not an image')],
    ['a truncated PNG', 'IMAGE_CORRUPT', encodePng(sample).subarray(0, 40)],
    ['a PNG signature then garbage', 'IMAGE_CORRUPT', Buffer.concat([encodePng(sample).subarray(0, 8), Buffer.alloc(64, 7)])],
    ['a JPEG marker then garbage', 'IMAGE_CORRUPT', Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3, 4])],
    ['a PNG header claiming 200000x200000', 'IMAGE_TOO_LARGE', (() => {
      const b = Buffer.from(encodePng(sample));
      b.writeUInt32BE(200_000, 16);
      b.writeUInt32BE(200_000, 20);
      return b;
    })()],
  ])('%s is refused with %s', (_name, code, bytes) => {
    expect(codeOf(() => decodeImage(bytes))).toBe(code);
  });
});

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { decodeImage, decodeImageAsync, detectImageFormat } from './decode-image.js';
import { encodeImage } from './encode-image.js';
import { encodePng } from './encode-png.js';
import { createRgbImage } from './rgb-image.js';
import { readWebpInfo } from './webp-codec.js';

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
    ['a WebP (needs decodeImageAsync)', 'IMAGE_UNSUPPORTED', Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1')],
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

describe('WebP', () => {
  const webpOf = (w: number, h: number) => encodeImage(createRgbImage(w, h, new Uint8Array(w * h * 3).fill(120)), 'webp');

  test('detected by its RIFF/WEBP header; its size is read from the header before decoding', async () => {
    const bytes = await webpOf(7, 5);
    expect(detectImageFormat(bytes)).toBe('webp');
    expect(readWebpInfo(bytes)).toEqual({ width: 7, height: 5, animated: false });
    const { image, format } = await decodeImageAsync(bytes);
    expect([format, image.width, image.height]).toEqual(['webp', 7, 5]);
    expect(codeOf(() => decodeImage(bytes))).toBe('IMAGE_UNSUPPORTED');
  });

  /** vp8x builds a VP8X header (flags, canvas size) as an extended WebP starts. */
  function vp8x(flags: number, w: number, h: number): Uint8Array {
    const b = Buffer.alloc(40);
    b.write('RIFF', 0, 'latin1');
    b.writeUInt32LE(32, 4);
    b.write('WEBPVP8X', 8, 'latin1');
    b.writeUInt32LE(10, 16);
    b[20] = flags;
    b.writeUIntLE(w - 1, 24, 3);
    b.writeUIntLE(h - 1, 27, 3);
    return b;
  }

  test.each([
    ['an animated WebP', vp8x(0x02, 10, 10), 'IMAGE_UNSUPPORTED'],
    ['a WebP claiming 16000x16000', vp8x(0, 16000, 16000), 'IMAGE_TOO_LARGE'],
    ['a WebP header then garbage', vp8x(0, 10, 10), 'IMAGE_CORRUPT'],
    ['RIFF/WEBP with no image chunk', Buffer.concat([Buffer.from('RIFF\x16\x00\x00\x00WEBPJUNK', 'latin1'), Buffer.alloc(18)]), 'IMAGE_CORRUPT'],
  ])('%s is refused with %s', async (_name, bytes, code) => {
    const err = await decodeImageAsync(bytes).then(() => undefined, (e: unknown) => e);
    expect(err instanceof UprezError ? err.code : err).toBe(code);
  });

  test('a truncated WebP is IMAGE_CORRUPT', async () => {
    const bytes = await webpOf(32, 32);
    const err = await decodeImageAsync(bytes.subarray(0, bytes.length - 10)).then(() => undefined, (e: unknown) => e);
    expect(err instanceof UprezError ? err.code : err).toBe('IMAGE_CORRUPT');
  });
});

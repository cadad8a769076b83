import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { detectImageFormat } from './magic-bytes.js';

const make = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } });

describe('detectImageFormat', () => {
  test.each([
    ['png', () => make().png().toBuffer()],
    ['jpeg', () => make().jpeg().toBuffer()],
    ['webp', () => make().webp().toBuffer()],
    ['gif', () => make().gif().toBuffer()],
    ['tiff', () => make().tiff().toBuffer()],
    ['avif', () => make().avif().toBuffer()],
  ] as const)('a real %s file', async (format, encode) => {
    expect(detectImageFormat((await encode()).subarray(0, 64))).toBe(format);
  });

  const ftyp = (major: string, ...compat: string[]) => {
    const b = Buffer.alloc(16 + 4 * compat.length);
    b.writeUInt32BE(b.length, 0);
    b.write(`ftyp${major}`, 4, 'latin1');
    compat.forEach((c, i) => b.write(c, 16 + 4 * i, 'latin1'));
    return b;
  };

  test.each([
    ['HEIC (HEVC)', ftyp('heic', 'mif1', 'heic'), 'heif'],
    ['AVIF by a compatible brand', ftyp('mif1', 'avif', 'miaf'), 'avif'],
    ['an MP4', ftyp('isom', 'isom', 'mp41'), undefined],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), undefined],
    ['a libvips working file', Buffer.from([0xb6, 0xa6, 0xf2, 0x08, 0, 0, 0, 0]), undefined],
    ['PDF', Buffer.from('%PDF-1.7'), undefined],
    ['nothing', Buffer.alloc(0), undefined],
    ['a PNG signature cut short', Buffer.from([0x89, 0x50, 0x4e, 0x47]), undefined],
  ])('%s -> %s', (_name, bytes, format) => expect(detectImageFormat(bytes)).toBe(format));
});

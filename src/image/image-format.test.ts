import { describe, expect, test } from 'vitest';
import { canHold16Bits, canHoldAlpha, defaultOutputFormat, extensionOf, formatOfName, isOutputFormat } from './image-format.js';

describe('image formats by name', () => {
  test.each([
    ['a.png', 'png'],
    ['A.PNG', 'png'],
    ['b.jpg', 'jpeg'],
    ['b.JPEG', 'jpeg'],
    ['c.webp', 'webp'],
    ['d.avif', 'avif'],
    ['e.tif', 'tiff'],
    ['e.TIFF', 'tiff'],
    ['f.gif', 'gif'],
    ['g.heic', 'heif'],
    ['dir.png/file', undefined],
    ['.png', undefined],
    ['notes.txt', undefined],
    ['png', undefined],
    ['x.svg', undefined],
  ])('%j -> %s', (name, format) => expect(formatOfName(name)).toBe(format));

  test.each([
    ['png', '.png'],
    ['jpeg', '.jpg'],
    ['webp', '.webp'],
    ['avif', '.avif'],
    ['tiff', '.tif'],
  ] as const)('%s is written as %s', (f, ext) => expect(extensionOf(f)).toBe(ext));
  test.each([
    ['png', true],
    ['tiff', true],
    ['avif', true],
    ['jpg', false],
    ['gif', false],
    ['heif', false],
  ])('isOutputFormat(%j) = %s', (v, ok) => expect(isOutputFormat(v)).toBe(ok));
  test.each([
    ['gif', 'png'],
    ['heif', 'png'],
    ['avif', 'avif'],
    ['jpeg', 'jpeg'],
  ] as const)('an input in %s is written as %s by default', (i, o) => expect(defaultOutputFormat(i)).toBe(o));
  test('16 bits in PNG and TIFF only; alpha everywhere but JPEG', () => {
    expect(['png', 'jpeg', 'webp', 'avif', 'tiff'].filter((f) => canHold16Bits(f as 'png'))).toEqual(['png', 'tiff']);
    expect(['png', 'jpeg', 'webp', 'avif', 'tiff'].filter((f) => canHoldAlpha(f as 'png'))).toEqual(['png', 'webp', 'avif', 'tiff']);
  });
});

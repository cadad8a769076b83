import { describe, expect, test } from 'vitest';
import { extensionOf, formatOfName, isImageFormat } from './image-format.js';

describe('image formats by name', () => {
  test.each([
    ['a.png', 'png'],
    ['A.PNG', 'png'],
    ['b.jpg', 'jpeg'],
    ['b.JPEG', 'jpeg'],
    ['c.webp', 'webp'],
    ['dir.png/file', undefined],
    ['.png', undefined],
    ['notes.txt', undefined],
    ['png', undefined],
    ['x.gif', undefined],
  ])('%j -> %s', (name, format) => expect(formatOfName(name)).toBe(format));

  test.each([['png', '.png'], ['jpeg', '.jpg'], ['webp', '.webp']] as const)('%s is written as %s', (f, ext) => expect(extensionOf(f)).toBe(ext));
  test.each([['png', true], ['jpg', false], ['gif', false]])('isImageFormat(%j) = %s', (v, ok) => expect(isImageFormat(v)).toBe(ok));
});

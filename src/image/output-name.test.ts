import { describe, expect, test } from 'vitest';
import { outputNameFor, outputPathIn, outputPathUnder } from './output-name.js';

describe('outputNameFor', () => {
  test.each([
    ['photo.jpg', 'photo.png'],
    ['/a/b/photo.JPEG', 'photo.png'],
    ['x/y.png', 'y.png'],
    ['archive.tar.png', 'archive.tar.png'],
    ['noext', 'noext.png'],
    ['.hidden', '.hidden.png'],
    ['../../etc/passwd', 'passwd.png'],
    ['C:\\Users\\me\\cat.png', 'cat.png'],
    ['..\\..\\evil.jpg', 'evil.png'],
    ['d/ünïcode snap.png', 'ünïcode snap.png'],
  ])('%j -> %j', (input, name) => expect(outputNameFor(input)).toBe(name));

  test.each(['', 'dir/', '..', 'a/..', '.', 'x/..png', 'bad\nname.png', 'nul\u0000.png', `${'a'.repeat(260)}.jpg`])(
    'refuses %j',
    (input) => {
      expect(() => outputNameFor(input)).toThrow(/refusing|longer than 255/);
    },
  );
});

describe('outputPathIn', () => {
  test('keeps names directly inside the directory', () => {
    expect(outputPathIn('/out/dir', 'a.png')).toBe('/out/dir/a.png');
    expect(outputPathIn('/out/dir/', '...png')).toBe('/out/dir/...png');
  });

  test.each(['../a.png', 'sub/a.png', '/abs.png', '..', '.'])('refuses %j', (name) => {
    expect(() => outputPathIn('/out/dir', name)).toThrow(/refusing/);
  });
});

describe('outputNameFor with another extension', () => {
  test.each([
    ['photo.png', '.jpg', 'photo.jpg'],
    ['x/y.webp', '.webp', 'y.webp'],
    ['a.b.JPEG', '.png', 'a.b.png'],
  ])('%j with %s -> %j', (input, ext, name) => expect(outputNameFor(input, ext)).toBe(name));
});

describe('outputPathUnder', () => {
  test.each([
    [[], 'a.png', '/out/a.png'],
    [['trip', 'day 1'], 'c.webp', '/out/trip/day 1/c.webp'],
    [['...'], 'x.jpg', '/out/.../x.jpg'],
  ])('%j + %s -> %s', (rel, name, want) => expect(outputPathUnder('/out', rel, name)).toBe(want));

  test.each([[['..']], [['a', '..', '..']], [['.']], [['']], [['a/b']], [['a\\b']], [['bad\nname']], [['/etc']]])(
    'refuses the folder segments %j',
    (rel) => {
      expect(() => outputPathUnder('/out', rel, 'x.png')).toThrow(/refusing/);
    },
  );
});

import { expect, test } from 'vitest';
import { isValidStreamKey } from './stream-key.js';

test.each([
  ['abc', true],
  ['A-z_09', true],
  ['x'.repeat(64), true],
  ['x'.repeat(65), false],
  ['', false],
  ['a/b', false],
  ['..', false],
  ['a b', false],
  ['a%2e', false],
  ['ключ', false],
  ['a\0', false],
  [42, false],
])('isValidStreamKey(%j) = %s', (key, ok) => {
  expect(isValidStreamKey(key)).toBe(ok);
});

import path from 'node:path';
import { expect, test } from 'vitest';
import { relativeInside } from './path-inside.js';

test.each([
  ['/srv/data', '/srv/data', ''],
  ['/srv/data', '/srv/data/a/b.ts', path.join('a', 'b.ts')],
  ['/srv/data', '/srv/data/a/../b', 'b'],
  ['/srv/data', '/srv/data/..foo', '..foo'],
  ['/srv/data', '/srv/data/../data2/x', null],
  ['/srv/data', '/srv', null],
  ['/srv/data', '/etc/passwd', null],
  ['/srv/data/', '/srv/data/x', 'x'],
])('relativeInside(%j, %j) is %j', (root, target, expected) => {
  expect(relativeInside(root, target)).toBe(expected);
});

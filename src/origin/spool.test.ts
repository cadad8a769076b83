import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { OriginError } from './origin-error.js';
import { Spool } from './spool.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('hold links the file (same inode, no copy): it outlives the original, and release removes the link', async () => {
  const src = path.join(dir, 'seg.ts');
  writeFileSync(src, 'abc');
  const spool = new Spool(path.join(dir, 'spool', 'k.1'));
  const held = await spool.hold('720p/seg.ts', src);
  expect(held.size).toBe(3);
  expect(path.dirname(held.path)).toBe(spool.dir);
  expect(statSync(held.path).ino).toBe(statSync(src).ino);
  unlinkSync(src);
  expect(readFileSync(held.path, 'utf8')).toBe('abc');
  spool.release(held);
  await new Promise((r) => setTimeout(r, 20));
  expect(existsSync(held.path)).toBe(false);
});

test('a file already gone is ORIGIN_FILE_MISSING; release never deletes outside the spool; clear removes it all', async () => {
  const spool = new Spool(path.join(dir, 'spool'));
  await expect(spool.hold('a.ts', path.join(dir, 'nope.ts'))).rejects.toSatisfy(
    (e) => e instanceof OriginError && e.code === 'ORIGIN_FILE_MISSING' && !e.retryable,
  );
  const outside = path.join(dir, 'keep.ts');
  writeFileSync(outside, 'x');
  spool.release({ path: outside, size: 1 });
  await new Promise((r) => setTimeout(r, 20));
  expect(existsSync(outside)).toBe(true);
  await spool.hold('b.ts', outside);
  await spool.clear();
  expect(existsSync(spool.dir)).toBe(false);
});

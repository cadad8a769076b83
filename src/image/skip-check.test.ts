import { mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createRgbImage } from './rgb-image.js';
import { encodeRgb8 } from './rgb8-io.js';
import { decideSkip, fileSystemStart, looksComplete, readOutputState } from './skip-check.js';

describe('decideSkip', () => {
  const run = 10_000;
  test.each([
    ['no output', { mtimeMs: 5 }, undefined, false, 'process'],
    ['complete and newer than the input', { mtimeMs: 5 }, { mtimeMs: 6, complete: true }, false, 'skip'],
    ['complete and as new as the input', { mtimeMs: 5 }, { mtimeMs: 5, complete: true }, false, 'skip'],
    ['complete but older than the input', { mtimeMs: 7 }, { mtimeMs: 6, complete: true }, false, 'process'],
    ['newer but truncated', { mtimeMs: 5 }, { mtimeMs: 6, complete: false }, false, 'process'],
    ['up to date but --force', { mtimeMs: 5 }, { mtimeMs: 6, complete: true }, true, 'process'],
    ['written during this run', { mtimeMs: 5 }, { mtimeMs: run, complete: true }, false, 'refuse'],
    ['written during this run, even with --force', { mtimeMs: 5 }, { mtimeMs: run + 1, complete: true }, true, 'refuse'],
  ] as const)('%s -> %s', (_name, input, output, force, action) => {
    expect(decideSkip({ input, output, force, runStartedMs: run }).action).toBe(action);
  });
});

const img = createRgbImage(
  3,
  2,
  Uint8Array.from({ length: 18 }, (_, i) => i * 13),
);

describe('looksComplete', () => {
  test.each(['png', 'jpeg', 'webp'] as const)('a whole %s is complete; cut short it is not', async (format) => {
    const bytes = await encodeRgb8(img, format);
    const check = (b: Uint8Array, size = b.length) => looksComplete(b.subarray(0, 16), b.subarray(Math.max(0, b.length - 12)), size);
    expect(check(bytes)).toBe(true);
    expect(check(bytes.subarray(0, bytes.length - 1))).toBe(false);
    expect(check(bytes.subarray(0, Math.floor(bytes.length / 2)))).toBe(false);
  });

  test('text is not complete', () => {
    const b = new TextEncoder().encode('hello, not an image at all');
    expect(looksComplete(b.subarray(0, 16), b.subarray(-12), b.length)).toBe(false);
  });
});

describe('readOutputState', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-skip-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('missing -> undefined; whole file -> complete with its time; truncated -> not complete; a symlink is not opened', async () => {
    expect(await readOutputState(path.join(dir, 'none.png'))).toBeUndefined();
    const png = await encodeRgb8(img, 'png');
    await writeFile(path.join(dir, 'ok.png'), png);
    await utimes(path.join(dir, 'ok.png'), 1000, 1000);
    expect(await readOutputState(path.join(dir, 'ok.png'))).toEqual({ mtimeMs: 1_000_000, complete: true });
    await writeFile(path.join(dir, 'cut.png'), png.subarray(0, png.length - 4));
    expect((await readOutputState(path.join(dir, 'cut.png')))?.complete).toBe(false);
    await writeFile(path.join(dir, 'tiny.png'), png.subarray(0, 5));
    expect((await readOutputState(path.join(dir, 'tiny.png')))?.complete).toBe(false);
    await symlink(path.join(dir, 'ok.png'), path.join(dir, 'link.png'));
    expect((await readOutputState(path.join(dir, 'link.png')))?.complete).toBe(false);
  });

  test.each(['avif', 'tiff'] as const)('a whole %s is complete; cut short anywhere it is not', async (format) => {
    const bytes = await encodeRgb8(
      createRgbImage(
        40,
        30,
        Uint8Array.from({ length: 3600 }, (_, i) => (i * 31) % 256),
      ),
      format,
    );
    await writeFile(path.join(dir, 'whole'), bytes);
    expect((await readOutputState(path.join(dir, 'whole')))?.complete).toBe(true);
    for (const cut of [1, 13, Math.floor(bytes.length / 2), bytes.length - 20]) {
      await writeFile(path.join(dir, 'cut'), bytes.subarray(0, bytes.length - cut));
      expect([cut, (await readOutputState(path.join(dir, 'cut')))?.complete]).toEqual([cut, false]);
    }
  });
});

describe('fileSystemStart', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-fsstart-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('files written before it are older, files written after it are not (Date.now cannot promise either); nothing is left behind', async () => {
    for (let i = 0; i < 50; i++) {
      await writeFile(path.join(dir, 'before.png'), 'x');
      const start = await fileSystemStart(dir);
      await writeFile(path.join(dir, 'after.png'), 'x');
      expect((await stat(path.join(dir, 'before.png'))).mtimeMs).toBeLessThan(start);
      expect((await stat(path.join(dir, 'after.png'))).mtimeMs).toBeGreaterThanOrEqual(start);
    }
    expect((await readdir(dir)).sort()).toEqual(['after.png', 'before.png']);
  });

  test('a directory that does not exist is an error, not a guess', async () => {
    await expect(fileSystemStart(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});

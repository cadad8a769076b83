import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { lumaArray, LumaFile } from './luma-file.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('raw luma frames', () => {
  test('a file of whole frames reads back frame by frame', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'uprez-luma-'));
    const file = path.join(dir, 'a.y');
    writeFileSync(
      file,
      Uint8Array.from({ length: 3 * 4 * 2 }, (_, i) => i),
    );
    const f = new LumaFile(file, 4, 2);
    expect(f.count).toBe(3);
    expect([...f.frame(2)]).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
    expect([...f.frame(0)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => f.frame(3)).toThrow(RangeError);
    f.close();
    f.close();
    expect(() => f.frame(0)).toThrow(/closed/);
  });

  test('a file that is not a whole number of frames is refused with a code', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'uprez-luma-'));
    const file = path.join(dir, 'b.y');
    writeFileSync(file, new Uint8Array(9));
    expect(() => new LumaFile(file, 4, 2)).toThrow(expect.objectContaining({ code: 'BENCH_OUTPUT_INVALID' }));
  });

  test('planes in memory are checked for size', () => {
    expect(lumaArray(2, 2, [new Uint8Array(4)]).count).toBe(1);
    expect(() => lumaArray(2, 2, [new Uint8Array(3)])).toThrow(/2x2 needs 4/);
  });
});

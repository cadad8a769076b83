import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { walkImageInputs, type WalkEntry, type WalkOptions } from './image-walk.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-walk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function touch(...parts: string[]): Promise<void> {
  await mkdir(path.join(dir, ...parts.slice(0, -1)), { recursive: true });
  await writeFile(path.join(dir, ...parts), 'x');
}

async function walk(inputs: string[], o?: WalkOptions): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of walkImageInputs(inputs, o)) out.push(e);
  return out;
}

/** short writes an entry as text relative to the temp folder, e.g. "image sub/b.PNG [sub]". */
function short(e: WalkEntry): string {
  const rel = path.relative(dir, e.path) || '.';
  return e.kind === 'image' ? `image ${rel} [${e.relDir.join('/')}]` : `${e.kind} ${rel}: ${e.reason}`;
}

describe('walkImageInputs', () => {
  test('walks folders depth-first in code-unit order, keeps image names, notes the rest, skips hidden names', async () => {
    await touch('in', 'b.jpg');
    await touch('in', 'B.webp');
    await touch('in', 'a', 'z.PNG');
    await touch('in', 'a', 'deeper', 'y.jpeg');
    await touch('in', 'a', 'readme.md');
    await touch('in', '.hidden.png');
    await touch('in', '.x.png.0a1b.uprez-tmp');
    await touch('in', '.cache', 'k.png');
    await touch('in', 'c.gif');
    await touch('in', 'd.svg');
    await touch('in', '.uprez-work-1-0a1b2c3d', 'x.in.v');
    await touch('in', 'noext');
    expect((await walk([path.join(dir, 'in')])).map(short)).toEqual([
      'image in/B.webp []',
      'image in/a/deeper/y.jpeg [a/deeper]',
      'ignored in/a/readme.md: not an image file name',
      'image in/a/z.PNG [a]',
      'image in/b.jpg []',
      'image in/c.gif []',
      'ignored in/d.svg: not an image file name',
      'ignored in/noext: not an image file name',
    ]);
  });

  test('arguments keep their order; a file argument is an image whatever its name; a missing one is an error', async () => {
    await touch('z.png');
    await touch('data.bin');
    await touch('d', 'a.png');
    const got = await walk([path.join(dir, 'z.png'), path.join(dir, 'd'), path.join(dir, 'missing.png'), path.join(dir, 'data.bin')]);
    expect(got.map(short)).toEqual(['image z.png []', 'image d/a.png []', 'error missing.png: no such file', 'image data.bin []']);
  });

  test('never descends into the excluded folder (the output), found by device and inode', async () => {
    await touch('in', 'a.png');
    await touch('in', 'out', 'a.png');
    const st = await stat(path.join(dir, 'in', 'out'));
    const got = await walk([path.join(dir, 'in')], { exclude: { dev: st.dev, ino: st.ino } });
    expect(got.map(short)).toEqual(['image in/a.png []', 'ignored in/out: is the output folder']);
    expect((await walk([path.join(dir, 'in', 'out')], { exclude: { dev: st.dev, ino: st.ino } })).map(short)).toEqual([
      'ignored in/out: is the output folder',
    ]);
  });

  test('follows symlinks to files, not to folders (no cycles); a broken link is noted', async () => {
    await touch('target', 'pic.png');
    await mkdir(path.join(dir, 'in'));
    await symlink(path.join(dir, 'target', 'pic.png'), path.join(dir, 'in', 'link.png'));
    await symlink(path.join(dir, 'in'), path.join(dir, 'in', 'loop'));
    await symlink(path.join(dir, 'nowhere.png'), path.join(dir, 'in', 'dead.png'));
    expect((await walk([path.join(dir, 'in')])).map(short)).toEqual([
      'ignored in/dead.png: broken symlink (no such file)',
      'image in/link.png []',
      'ignored in/loop: symlinked folder not followed',
    ]);
  });

  test('is lazy: the first entry comes before a later folder is listed', async () => {
    await touch('a', '1.png');
    await touch('b', '2.png');
    const it = walkImageInputs([path.join(dir, 'a'), path.join(dir, 'b')]);
    const first = await it.next();
    await rm(path.join(dir, 'b'), { recursive: true });
    const rest: WalkEntry[] = [];
    for await (const e of { [Symbol.asyncIterator]: () => it }) rest.push(e);
    expect(first.value && short(first.value)).toBe('image a/1.png []');
    expect(rest.map(short)).toEqual(['error b: no such file']);
  });
});

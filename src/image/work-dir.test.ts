import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createWorkDir, sweepStaleWorkDirs } from './work-dir.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-workdir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that surely no longer runs: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;

describe('working folders', () => {
  test("a run makes a hidden folder and removes it; a dead run's folder is swept, a live one's and other names are kept", async () => {
    const dead = `.uprez-work-${deadPid()}-0a0b0c0d`;
    const live = `.uprez-work-${process.ppid}-01020304`;
    for (const d of [dead, live, 'photos', '.uprez-work-x']) await mkdir(path.join(dir, d));
    await writeFile(path.join(dir, dead, 'big.in.v'), 'x');
    const work = await createWorkDir(dir);
    expect(path.basename(work.path)).toMatch(new RegExp(`^\\.uprez-work-${process.pid}-[0-9a-f]{8}$`));
    expect((await stat(work.path)).mode & 0o777).toBe(0o700);
    expect((await readdir(dir)).sort()).toEqual([live, '.uprez-work-x', path.basename(work.path), 'photos'].sort());
    // This process's own folder is never swept, even by a second run in the same process.
    expect(await sweepStaleWorkDirs(dir)).toEqual([]);
    await work.close();
    await work.close();
    expect((await readdir(dir)).sort()).toEqual([live, '.uprez-work-x', 'photos'].sort());
  });
});

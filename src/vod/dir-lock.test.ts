import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { LOCK_FILE, lockOutputDir } from './dir-lock.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('output directory lock', () => {
  test('one holder at a time; released on request', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-lock-'));
    const release = await lockOutputDir(dir);
    expect((await readFile(path.join(dir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    await expect(lockOutputDir(dir)).rejects.toThrow(/already being written by this process/);
    await release();
    const again = await lockOutputDir(dir);
    await again();
  });
  test('a live other process keeps it; a dead one leaves a stale lock that is taken over', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-lock-'));
    await writeFile(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    await expect(lockOutputDir(dir)).rejects.toThrow(/another uprez \(pid \d+\)/);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    await writeFile(path.join(dir, LOCK_FILE), `${dead}\n`);
    const release = await lockOutputDir(dir);
    expect((await readFile(path.join(dir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    await release();
  });
});

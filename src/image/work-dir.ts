import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../lifecycle/process-alive.js';

/** Working folders are hidden (the walk skips them) and name the process that made them. */
const WORK_DIR = /^\.uprez-work-(\d+)-[0-9a-f]{8}$/;

/** WorkDir is a run's folder for working files, removed by close(). */
export interface WorkDir {
  readonly path: string;
  /** close removes the folder and everything in it; idempotent. */
  close(): Promise<void>;
}

/**
 * sweepStaleWorkDirs removes working folders in `parent` left by processes that no longer run
 * (a killed batch leaves its uncompressed working files behind); those of live processes stay.
 */
export async function sweepStaleWorkDirs(parent: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = WORK_DIR.exec(name);
    if (!m || Number(m[1]) === process.pid || isProcessAlive(Number(m[1]))) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** createWorkDir sweeps stale working folders in `parent` and makes this run's own there. */
export async function createWorkDir(parent: string): Promise<WorkDir> {
  await sweepStaleWorkDirs(parent);
  const dir = path.join(parent, `.uprez-work-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  let closing: Promise<void> | undefined;
  return { path: dir, close: () => (closing ??= rm(dir, { recursive: true, force: true })) };
}

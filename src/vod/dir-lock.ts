import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { isProcessAlive } from '../lifecycle/process-alive.js';

/** LOCK_FILE is the name of the lock a running file job holds in its output directory. */
export const LOCK_FILE = '.uprez-job.lock';

/**
 * lockOutputDir makes sure one job at a time writes a directory: it creates DIR/.uprez-job.lock
 * holding our pid, taking over a lock whose process is gone (a job killed with SIGKILL leaves
 * one), and refuses with JOB_LOCKED while another live process holds it. Resolves with the release.
 */
export async function lockOutputDir(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
        if (owner === process.pid) await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
      throw new UprezError('JOB_LOCKED', `${dir} is being written by another uprez (pid ${owner}); wait for it or stop it`);
    }
    if (owner === process.pid) throw new UprezError('JOB_LOCKED', `${dir} is already being written by this process`);
    await rm(file, { force: true }); // stale: its process is gone
  }
  throw new UprezError('JOB_LOCKED', `could not lock ${dir}`);
}

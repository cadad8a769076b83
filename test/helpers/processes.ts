import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** childProcessesNamed lists live child processes of this process whose command is `name`. */
export function childProcessesNamed(name: string): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && f[2] === name && !String(f[1]).startsWith('Z'))
    .map((f) => Number(f[0]));
}

/** waitUntil polls `cond` every 50 ms until it holds or `ms` pass. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, ms: number, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** childCommandLines lists live child processes named `name` with their argument vectors (Linux /proc). */
export function childCommandLines(name: string): { pid: number; args: string[] }[] {
  const out: { pid: number; args: string[] }[] = [];
  for (const pid of childProcessesNamed(name)) {
    try {
      out.push({ pid, args: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

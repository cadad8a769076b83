import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** REPO_ROOT is the repository this helper lives in. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * buildCli compiles the sources (tsconfig.build.json) into `outDir` and links the repository's
 * node_modules beside them, so a test can run `node <outDir>/src/cli/main.js` as a real, separate
 * uprez process (one it can SIGKILL). Type errors elsewhere in the tree do not stop the emit.
 * Returns the path of main.js.
 */
export async function buildCli(outDir: string): Promise<string> {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await new Promise<void>((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', outDir],
      { cwd: REPO_ROOT, timeout: 120_000 },
      () => resolve(),
    );
  });
  const main = path.join(outDir, 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`building the CLI into ${outDir} produced no ${main}`);
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  // What the built server finds beside dist/: the native addons (build/Release), the player and the models.
  for (const dir of ['build', 'player', 'models']) {
    if (existsSync(path.join(REPO_ROOT, dir)) && !existsSync(path.join(outDir, dir)))
      symlinkSync(path.join(REPO_ROOT, dir), path.join(outDir, dir), 'dir');
  }
  return main;
}

/** processesMentioning lists live pids whose command line contains `needle` (Linux /proc), e.g. a test's temp dir. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) out.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

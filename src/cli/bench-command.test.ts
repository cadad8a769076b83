import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { CliIo } from './cli-io.js';
import { runBenchCommand } from './bench-command.js';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env: {}, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
}

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('uprez bench', () => {
  test('--help prints the usage', async () => {
    const t = io();
    expect(await runBenchCommand(['--help'], t)).toBe(0);
    expect(t.out.join('')).toContain('--only LIST');
  });

  test('--only gpu: prints the machine and the section, and replaces only that section in the report', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-cmd-'));
    const file = path.join(dir, 'B.md');
    await writeFile(
      file,
      '# Benchmarks\n\nKeep me.\n\n<!-- bench:gpu -->\nold\n<!-- /bench:gpu -->\n\n<!-- bench:live -->\nlive stays\n<!-- /bench:live -->\n',
    );
    const t = io();
    expect(await runBenchCommand(['--only', 'gpu', '--out', file], t)).toBe(0);
    const printed = t.out.join('');
    expect(printed).toMatch(/cores, [\d.]+ GiB, GPU: /);
    expect(printed).toContain('== GPU (CUDA execution provider)');
    expect(printed).toContain('provider in use: cpu');
    const report = await readFile(file, 'utf8');
    expect(report).toContain('Keep me.');
    expect(report).toContain('live stays');
    expect(report).not.toContain('\nold\n');
    expect(report).toMatch(
      /<!-- bench:gpu -->\n### GPU \(CUDA execution provider\)[\s\S]*_Measured \d{4}-\d\d-\d\dT[\d:]+Z on [\s\S]*<!-- \/bench:gpu -->/,
    );
  });
});

/**
 * Architecture rules, checked on the source tree itself (issue 17): small files, folders that depend
 * on each other in one direction, errors that carry a catalogue code, and no test helpers in the
 * shipped build. Each rule lists the offenders by path so a failure says what to fix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const MAX_LINES = 400;

/** Raising a plain Error: thrown, or a promise rejected with one. */
const RAISES_PLAIN_ERROR = /\b(?:throw|reject\()\s*new Error\(/;

/** Plain `throw new Error(` is allowed only here, each with the reason it cannot carry a code. */
const PLAIN_ERROR_ALLOWED: Readonly<Record<string, string>> = {
  // Worker-thread code in plain .mjs: it cannot import the TypeScript catalogue under vitest (only
  // image-worker-main.ts goes through the TS hooks), and every throw there is caught inside the
  // worker and crosses the port as a message, which the parent turns into a coded error
  // (MODEL_RUN_FAILED, MODEL_LOAD_FAILED, IMAGE_WORKER_FAILED).
  'src/upscale/inference-worker.mjs': 'worker thread: errors cross the port as messages',
  'src/upscale/luma-tiling.mjs': 'runs inside the inference worker',
  'src/upscale/rgb-tiling.mjs': 'runs inside the inference worker',
  'src/upscale/native/native-worker.mjs': 'worker thread: errors cross the port as messages',
  'src/image/image-worker.mjs': 'worker entry guard: runs before any TypeScript can load',
};

interface SourceFile {
  /** Path from the repository root, with forward slashes. */
  readonly rel: string;
  readonly text: string;
}

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mjs)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
      out.push({ rel: path.relative(ROOT, p).split(path.sep).join('/'), text: readFileSync(p, 'utf8') });
    }
  }
  return out;
}

/** topFolder names the top-level folder of src/ a path is in ('.' for files directly in src/). */
function topFolder(relFromRoot: string): string {
  const parts = relFromRoot.split('/');
  return parts.length > 2 ? (parts[1] ?? '.') : '.';
}

/** importSpecifiers lists the module specifiers a file imports or re-exports (static and dynamic). */
export function importSpecifiers(text: string): string[] {
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** folderGraph maps each top-level folder of src/ to the folders its files import from. */
function folderGraph(files: readonly SourceFile[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const f of files) {
    const from = topFolder(f.rel);
    for (const spec of importSpecifiers(f.text)) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f.rel), spec));
      if (!target.startsWith('src/')) continue;
      const to = topFolder(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${f.rel} -> ${spec}`]);
    }
  }
  return graph;
}

/** cycles returns the strongly connected components of more than one node (Tarjan). */
export function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = sourceFiles(SRC);

describe('architecture', () => {
  test('the walk finds the source tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.rel === 'src/errors.ts')).toBe(true);
  });

  test(`no source file is over ${MAX_LINES} lines`, () => {
    const long = files
      .filter((f) => f.rel.endsWith('.ts'))
      .map((f) => ({ file: f.rel, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) }));
    expect(long.filter((f) => f.lines > MAX_LINES)).toEqual([]);
  });

  test('the top-level folders of src/ import each other without a cycle', () => {
    const graph = folderGraph(files);
    expect(graph.get('cli')?.has('upscale')).toBe(true); // the graph sees real imports
    const found = cycles(graph).map((scc) => ({
      folders: scc,
      edges: scc.flatMap((a) => scc.flatMap((b) => graph.get(a)?.get(b) ?? [])),
    }));
    expect(found).toEqual([]);
  });

  test('production code raises coded errors (UprezError), plain Error only where allowed', () => {
    const plain = files.flatMap((f) =>
      f.text
        .split('\n')
        .map((line, i) => ({ line, at: `${f.rel}:${i + 1}` }))
        .filter(({ line }) => RAISES_PLAIN_ERROR.test(line) && !Object.hasOwn(PLAIN_ERROR_ALLOWED, f.rel))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(plain).toEqual([]);
    // The allowlist names files that exist, so it cannot outlive them silently.
    for (const allowed of Object.keys(PLAIN_ERROR_ALLOWED)) expect(files.map((f) => f.rel)).toContain(allowed);
  });

  test('test helpers are not shipped: production code imports neither vitest nor test/, and the build excludes tests', () => {
    const leaks = files
      .filter((f) => importSpecifiers(f.text).some((s) => s === 'vitest' || s.startsWith('vitest/') || /(^|\/)test\//.test(s)))
      .map((f) => f.rel);
    expect(leaks).toEqual([]);
    const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include?: string[]; exclude?: string[] };
    expect(build.include?.every((p) => p.startsWith('src/'))).toBe(true);
    expect(build.exclude).toContain('src/**/*.test.ts');
  });
});

describe('the rules catch what they claim', () => {
  test.each([
    [`import { a } from './a.js';`, ['./a.js']],
    [`import type { B } from '../b/b.js';\nexport { c } from "../c/c.js";`, ['../b/b.js', '../c/c.js']],
    [`const m = await import('../d/d.js');`, ['../d/d.js']],
    [`import {\n  x,\n  y,\n} from '../e/e.js';`, ['../e/e.js']],
    [`import './side-effect.js';`, ['./side-effect.js']],
    [`// a comment mentioning from 'nothing' is not an import\nconst s = 'import x';`, []],
  ])('importSpecifiers(%j)', (text, expected) => {
    expect(importSpecifiers(text)).toEqual(expected);
  });

  test.each([
    ['throw new Error(`bad`);', true],
    ['reject(new Error(`exited ${code}`));', true],
    ["throw new UprezError('FFMPEG_FAILED', 'x');", false],
    ['res.destroy(err instanceof Error ? err : new Error(String(err)));', false],
  ])('RAISES_PLAIN_ERROR on %j is %s', (line, raises) => {
    expect(RAISES_PLAIN_ERROR.test(line)).toBe(raises);
  });

  test('cycles finds a loop through three folders and ignores a chain', () => {
    const g = (edges: [string, string][]) => {
      const m = new Map<string, Map<string, true>>();
      for (const [a, b] of edges) m.set(a, (m.get(a) ?? new Map<string, true>()).set(b, true));
      return m;
    };
    expect(
      cycles(
        g([
          ['stream', 'restream'],
          ['restream', 'vod'],
          ['vod', 'stream'],
          ['http', 'stream'],
        ]),
      ),
    ).toEqual([['restream', 'stream', 'vod']]);
    expect(
      cycles(
        g([
          ['cli', 'bench'],
          ['bench', 'upscale'],
          ['cli', 'upscale'],
        ]),
      ),
    ).toEqual([]);
  });
});

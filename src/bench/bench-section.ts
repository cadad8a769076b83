/** The shape every benchmark returns, and how sections render as Markdown. Pure. */

/** BenchId names a benchmark for `--only`. */
export type BenchId = 'overhead' | 'inference' | 'fallback' | 'parallelism' | 'live' | 'density' | 'memory' | 'gpu';

/** BENCH_IDS lists the benchmarks in report order. */
export const BENCH_IDS: readonly BenchId[] = ['overhead', 'inference', 'fallback', 'parallelism', 'live', 'density', 'memory', 'gpu'];

/** BenchRow is one measured comparison: ours beside a baseline, their ratio and the target. */
export interface BenchRow {
  readonly case: string;
  readonly measured: string;
  readonly baseline: string;
  /** measured / baseline (or as the section defines it); null when not a ratio. */
  readonly ratio: number | null;
  /** e.g. ">= 0.90"; empty when the row is information only. */
  readonly target: string;
  /** Whether the target is met; null when there is none. */
  readonly pass: boolean | null;
}

/** BenchSection is one benchmark's result: a table and notes on method. */
export interface BenchSection {
  readonly id: BenchId;
  readonly title: string;
  readonly rows: readonly BenchRow[];
  readonly notes: readonly string[];
  /** The onnxruntime execution provider the benchmark ran the model on, when it ran one. */
  readonly provider?: 'cpu' | 'cuda';
}

/** meets checks a ratio against a target written as ">= x" or "<= x". */
export function meets(ratio: number, target: string): boolean {
  const m = /^(>=|<=)\s*([\d.]+)$/.exec(target.trim());
  if (!m || !Number.isFinite(ratio)) return false;
  const x = Number(m[2]);
  return m[1] === '>=' ? ratio >= x : ratio <= x;
}

/** row builds a BenchRow with the pass flag computed from ratio and target. */
export function row(c: string, measured: string, baseline: string, ratio: number | null, target = ''): BenchRow {
  return { case: c, measured, baseline, ratio, target, pass: target && ratio !== null ? meets(ratio, target) : null };
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** renderSection renders one section as a Markdown heading, table and notes. */
export function renderSection(s: BenchSection): string {
  const out = [`### ${s.title}`, ''];
  if (s.rows.length) {
    out.push('| case | measured | baseline | ratio | target | met |', '|---|---|---|---|---|---|');
    for (const r of s.rows) {
      const ok = r.pass === null ? '' : r.pass ? 'yes' : '**no**';
      out.push(`| ${cell(r.case)} | ${cell(r.measured)} | ${cell(r.baseline)} | ${r.ratio === null ? '' : r.ratio.toFixed(2)} | ${cell(r.target)} | ${ok} |`);
    }
    out.push('');
  }
  for (const n of s.notes) out.push(`- ${n}`);
  if (s.notes.length) out.push('');
  return out.join('\n');
}

/** renderText renders a section as a plain-text table for the terminal. */
export function renderText(s: BenchSection): string {
  const head = ['case', 'measured', 'baseline', 'ratio', 'target', 'met'];
  const body = s.rows.map((r) => [r.case, r.measured, r.baseline, r.ratio === null ? '' : r.ratio.toFixed(2), r.target, r.pass === null ? '' : r.pass ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [`== ${s.title}`, line(head), ...body.map(line), ...s.notes.map((n) => `  * ${n}`), ''].join('\n');
}

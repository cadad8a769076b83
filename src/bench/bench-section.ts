/** The shape every benchmark returns, and how sections render as Markdown. Pure. */

/** BenchId names a benchmark for `--only`. */
export type BenchId = 'overhead' | 'inference' | 'fallback' | 'parallelism' | 'live' | 'x264' | 'viewer' | 'density' | 'memory' | 'gpu';

/** BENCH_IDS lists the benchmarks in report order. */
export const BENCH_IDS: readonly BenchId[] = [
  'overhead',
  'inference',
  'fallback',
  'parallelism',
  'live',
  'x264',
  'viewer',
  'density',
  'memory',
  'gpu',
];

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

/** BenchTable is a free-form table (a header and rows of cells) for results that are not one ratio per row. */
export interface BenchTable {
  /** A line above the table; empty for none. */
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** BenchSection is one benchmark's result: a table and notes on method. */
export interface BenchSection {
  readonly id: BenchId;
  readonly title: string;
  readonly rows: readonly BenchRow[];
  /** Further tables, rendered after `rows` and before the notes. */
  readonly tables?: readonly BenchTable[];
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
      out.push(
        `| ${cell(r.case)} | ${cell(r.measured)} | ${cell(r.baseline)} | ${r.ratio === null ? '' : r.ratio.toFixed(2)} | ${cell(r.target)} | ${ok} |`,
      );
    }
    out.push('');
  }
  for (const t of s.tables ?? []) {
    if (t.caption) out.push(t.caption, '');
    out.push(`| ${t.head.map(cell).join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`);
    for (const r of t.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
    out.push('');
  }
  for (const n of s.notes) out.push(`- ${n}`);
  if (s.notes.length) out.push('');
  return out.join('\n');
}

/** textTable lays out a header and rows as space-padded columns, one string per line. */
function textTable(head: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)];
}

/** renderText renders a section as plain-text tables for the terminal. */
export function renderText(s: BenchSection): string {
  const head = ['case', 'measured', 'baseline', 'ratio', 'target', 'met'];
  const body = s.rows.map((r) => [
    r.case,
    r.measured,
    r.baseline,
    r.ratio === null ? '' : r.ratio.toFixed(2),
    r.target,
    r.pass === null ? '' : r.pass ? 'yes' : 'NO',
  ]);
  const out = [`== ${s.title}`, ...(s.rows.length ? textTable(head, body) : [])];
  for (const t of s.tables ?? []) out.push(...(t.caption ? [`-- ${t.caption}`] : []), ...textTable(t.head, t.rows));
  return [...out, ...s.notes.map((n) => `  * ${n}`), ''].join('\n');
}

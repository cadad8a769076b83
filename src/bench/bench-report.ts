/**
 * BENCHMARKS.md upkeep: each benchmark's section sits between `<!-- bench:ID -->` and
 * `<!-- /bench:ID -->`; a run replaces the sections it measured and leaves the rest (and any
 * hand-written text outside the markers) alone. Pure.
 */
import type { BenchId } from './bench-section.js';
import type { MachineInfo } from './machine.js';

/** runHeader is the line under each section saying when and where it was measured. */
export function runHeader(m: MachineInfo, provider: string, quick: boolean): string {
  return `_Measured ${m.date} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, GPU: ${m.gpu}; Node ${m.node}; provider ${provider}; load average at start ${m.loadAtStart}${quick ? '; --quick run' : ''}._`;
}

/** mergeReport replaces (or appends) the given sections in an existing report. */
export function mergeReport(existing: string, sections: readonly { readonly id: BenchId; readonly markdown: string }[]): string {
  let text = existing.length ? existing : '# Benchmarks\n';
  for (const s of sections) {
    const open = `<!-- bench:${s.id} -->`;
    const close = `<!-- /bench:${s.id} -->`;
    const block = `${open}\n${s.markdown.trim()}\n${close}`;
    const a = text.indexOf(open);
    const b = text.indexOf(close);
    if (a !== -1 && b > a) text = text.slice(0, a) + block + text.slice(b + close.length);
    else text = `${text.trimEnd()}\n\n${block}\n`;
  }
  return text.endsWith('\n') ? text : `${text}\n`;
}

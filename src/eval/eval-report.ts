import type { EvalMeans, ImageEvalResult, ImageScores } from './sr-eval.js';

/** EvalReport is everything `uprez eval` prints: the setting, per-image scores and the means. */
export interface EvalReport {
  /** Name of the set (its directory's base name, e.g. "Set5"). */
  readonly set: string;
  readonly scale: number;
  /** The model that was evaluated, or null for the bicubic baseline alone. */
  readonly model: { readonly name: string; readonly provider: string } | null;
  /** The LR degradation (e.g. "h264:28"), or null for clean LR. */
  readonly degrade: string | null;
  readonly images: readonly ImageEvalResult[];
  readonly mean: EvalMeans;
}

const fmtPsnr = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'inf');
const fmtScores = (s: ImageScores | undefined): string => (s ? `${fmtPsnr(s.psnr)} / ${s.ssim.toFixed(4)}` : '');
const fmtGain = (m: ImageScores | undefined, b: ImageScores): string => {
  if (!m) return '';
  const d = m.psnr - b.psnr;
  return Number.isFinite(d) ? `${d >= 0 ? '+' : ''}${d.toFixed(3)} dB` : '';
};

/** formatEvalTable renders the report as an aligned text table: one row per image, then the mean. */
export function formatEvalTable(r: EvalReport): string {
  const header = [
    `${r.set} x${r.scale} · Y-PSNR (dB) / Y-SSIM on MATLAB rgb2ycbcr Y, ${r.scale} px shaved · LR: MATLAB bicubic${r.degrade ? ` + ${r.degrade}` : ''}`,
    r.model ? `model ${r.model.name} (${r.model.provider})` : 'no model: bicubic baseline only',
  ];
  const cols = ['image', 'HR size', 'bicubic', ...(r.model ? [r.model.name, 'gain', 'ms'] : [])];
  const rows = r.images.map((i) => [
    i.name,
    `${i.width}x${i.height}`,
    fmtScores(i.bicubic),
    ...(r.model ? [fmtScores(i.model), fmtGain(i.model, i.bicubic), i.inferMs === undefined ? '' : i.inferMs.toFixed(1)] : []),
  ]);
  const mean = [
    'mean',
    `${r.images.length} images`,
    fmtScores(r.mean.bicubic),
    ...(r.model ? [fmtScores(r.mean.model), fmtGain(r.mean.model, r.mean.bicubic), ''] : []),
  ];
  const all = [cols, ...rows, mean];
  const widths = cols.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [...header, '', line(cols), rule, ...rows.map(line), rule, line(mean), ''].join('\n');
}

/** evalReportJson is the machine-readable form (`--json`); a perfect reconstruction's infinite PSNR is written as null. */
export function evalReportJson(r: EvalReport): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

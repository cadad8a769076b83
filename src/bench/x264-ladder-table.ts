/** The x264 ladder benchmark's results and how they become a table. Pure. */
import type { BenchTable } from './bench-section.js';
import { fmt } from './bench-stats.js';

/** ComboResult is one preset combination's medians on one ladder. */
export interface ComboResult {
  /** e.g. "ultrafast,veryfast". */
  readonly label: string;
  /** Whether serve's --x264-preset auto resolves to this combination. */
  readonly auto: boolean;
  /** ffmpeg's user + system CPU time per frame, ms (whole ladder: scale, both encodes, mux). */
  readonly cpuMsPerFrame: number;
  /** Frames per second of ffmpeg's wall time. */
  readonly wallFps: number;
  /** Top rung's encoded bytes. */
  readonly topBytes: number;
  /** Top rung's Y-PSNR against the frames it was encoded from, dB. */
  readonly topPsnrY: number;
}

/** LadderResult is every combination measured on one ladder; results[0] is the baseline. */
export interface LadderResult {
  /** e.g. "640x360 x2: 1280x720 2.80 Mbit/s + 640x360 1.18 Mbit/s". */
  readonly ladder: string;
  readonly results: readonly ComboResult[];
}

/** X264_TABLE_HEAD is the table's header. */
export const X264_TABLE_HEAD = [
  'ladder',
  'presets (top,lower)',
  'CPU ms/frame',
  'CPU vs baseline',
  'wall fps',
  'cores at 30 fps',
  'top-rung bytes',
  'bits vs baseline',
  'top Y-PSNR dB',
  'dB vs baseline',
] as const;

/** coresAt is the CPU cores a ladder needs to keep up with `fps` at `cpuMsPerFrame`. */
export function coresAt(cpuMsPerFrame: number, fps: number): number {
  return (cpuMsPerFrame * fps) / 1000;
}

function signed(v: number, digits: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : 'n/a';
}

/** x264Table lays out one row per combination per ladder, each against that ladder's first (baseline) result. */
export function x264Table(ladders: readonly LadderResult[], fps: number): BenchTable {
  const rows: string[][] = [];
  for (const l of ladders) {
    const base = l.results[0];
    if (!base) continue;
    for (const r of l.results) {
      rows.push([
        l.ladder,
        `${r.label}${r.auto ? ' (auto)' : ''}`,
        fmt(r.cpuMsPerFrame, 1),
        `${fmt(r.cpuMsPerFrame / base.cpuMsPerFrame, 2)}x`,
        fmt(r.wallFps, 1),
        fmt(coresAt(r.cpuMsPerFrame, fps), 2),
        String(r.topBytes),
        `${fmt(r.topBytes / base.topBytes, 3)}x`,
        fmt(r.topPsnrY, 2),
        signed(r.topPsnrY - base.topPsnrY, 2),
      ]);
    }
  }
  return {
    caption: `Baseline: ${ladders[0]?.results[0]?.label ?? 'the first row'} on the same ladder in the same run.`,
    head: X264_TABLE_HEAD,
    rows,
  };
}

/**
 * The viewer-quality benchmark's results (pure): per-run records, medians over repeats (gains
 * as the median of the per-repeat paired differences, the runs being side by side), and the
 * tables the section prints.
 */
import type { BenchTable } from './bench-section.js';
import { fmt, median } from './bench-stats.js';
import type { OfflineScore } from './viewer-offline.js';
import { commonMeanDiff } from './viewer-score.js';

/** QualityRun is one scored live run (one side of one repeat). */
export interface QualityRun {
  readonly psnr: number;
  readonly ssim: number;
  readonly staticFlicker: number;
  readonly staticShare: number;
  /** Output frames scored against the truth. */
  readonly scored: number;
  /** frames.model / frames.out from /api/streams at the end, 0..1. */
  readonly aiShare: number;
  /** aiPixelShare from /api/streams at the end (luma pixels a model made), 0..1; NaN when not reported. */
  readonly aiPixelShare: number;
  readonly framesIn: number;
  readonly framesOut: number;
  /** Frames decoded from the top rendition. */
  readonly decoded: number;
  /** Output frame i shows truth frame i + offset (over the whole clip); what the first and the last frames show on their own. */
  readonly offset: number;
  readonly startOffset: number;
  readonly endOffset: number;
  /** Y-PSNR and SSIM by truth frame index (NaN: not shown / not sampled), so gains compare the same frames. */
  readonly psnrAt: Float64Array;
  readonly ssimAt: Float64Array;
  /** 1-minute load average when the run started (the AI share follows it on a shared machine). */
  readonly load: number;
  /** The server's distinct warnings during the run. */
  readonly warnings: readonly string[];
}

/** QualityCase is one clip at one CRF: the model runs and the bicubic runs, repeat by repeat. */
export interface QualityCase {
  readonly clip: string;
  readonly inSize: string;
  readonly outSize: string;
  readonly crf: number;
  readonly truthFrames: number;
  readonly model: readonly QualityRun[];
  readonly bicubic: readonly QualityRun[];
  /** The quality-mode reference (--offline), when measured. */
  readonly offline?: OfflineScore;
}

/** TimeRun is one time-only live run. */
export interface TimeRun {
  readonly aiShare: number;
  /** Share of output luma pixels a model made; NaN when the server does not report it. */
  readonly aiPixelShare: number;
  /** Median outputFps while live (the first samples skipped). */
  readonly fps: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly deadlineMisses: number;
  /** Seconds the stream took to end after the publisher finished (the backlog it worked off). */
  readonly drainSeconds: number;
  /** 1-minute load average when the run started. */
  readonly load: number;
  /** The server's distinct warnings during the run. */
  readonly warnings: readonly string[];
}

/** TimeCase is one input size: model runs and bicubic runs, repeat by repeat. */
export interface TimeCase {
  readonly inSize: string;
  readonly inputFps: number;
  readonly published: number;
  readonly model: readonly TimeRun[];
  readonly bicubic: readonly TimeRun[];
}

/** pairedMedian is the median over repeats of f(model run, bicubic run) (pairs by index). */
export function pairedMedian<T>(a: readonly T[], b: readonly T[], f: (x: T, y: T) => number): number {
  const n = Math.min(a.length, b.length);
  const d: number[] = [];
  for (let i = 0; i < n; i++) d.push(f(a[i] as T, b[i] as T));
  return median(d);
}

/** psnrGain is one repeat's Y-PSNR gain over the truth frames both runs showed. */
export const psnrGain = (m: QualityRun, b: QualityRun): number => commonMeanDiff(m.psnrAt, b.psnrAt);

/** ssimGain is one repeat's SSIM gain over the sampled truth frames both runs showed. */
export const ssimGain = (m: QualityRun, b: QualityRun): number => commonMeanDiff(m.ssimAt, b.ssimAt);

/** runIssues says what is wrong with a run's frames, or '' when every frame arrived once, in order. */
export function runIssues(r: QualityRun, truthFrames: number): string {
  const out: string[] = [];
  if (r.framesIn !== truthFrames) out.push(`${truthFrames - r.framesIn} of ${truthFrames} published frames never reached the stage`);
  if (r.framesOut !== r.framesIn) out.push(`${r.framesIn} frames in, ${r.framesOut} out`);
  if (r.decoded !== r.framesOut) out.push(`${r.decoded} frames decoded from HLS, ${r.framesOut} out`);
  if (r.startOffset !== r.offset || r.endOffset !== r.offset)
    out.push(
      `offset ${r.offset} over the clip, ${r.startOffset} at the start, ${r.endOffset} at the end (a frame lost or repeated mid-stream)`,
    );
  else if (r.offset !== 0) out.push(`output starts at truth frame ${r.offset}`);
  return out.join('; ');
}

const med = <T>(xs: readonly T[], f: (x: T) => number): number => median(xs.map(f));

/** distinct lists the distinct values, in order of appearance, joined by "/". */
function distinct(xs: readonly number[]): string {
  return [...new Set(xs)].join('/');
}

/** aiCell is the median share of output luma pixels and of output frames a model made ("n/a" pixels from a server that does not report them). */
export function aiCell(runs: readonly { readonly aiShare: number; readonly aiPixelShare: number }[]): string {
  const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : 'n/a');
  return `${pct(med(runs, (r) => r.aiPixelShare))} / ${pct(med(runs, (r) => r.aiShare))}`;
}

/** framesCell says "in/out" (median) and marks a run whose frames do not all add up. */
export function framesCell(runs: readonly QualityRun[], truthFrames: number): string {
  const bad = runs.filter((r) => runIssues(r, truthFrames) !== '').length;
  const base = `${fmt(
    med(runs, (r) => r.framesIn),
    0,
  )}/${fmt(
    med(runs, (r) => r.framesOut),
    0,
  )} of ${truthFrames}`;
  return bad ? `${base} (**${bad} run(s) lost, repeated or misaligned frames**)` : base;
}

/** issueNotes lists every run whose frames did not all arrive once and in order, with what went wrong. */
export function issueNotes(cases: readonly QualityCase[]): string[] {
  const out: string[] = [];
  for (const c of cases) {
    for (const [side, runs] of [
      ['model', c.model],
      ['bicubic', c.bicubic],
    ] as const) {
      runs.forEach((r, i) => {
        const why = runIssues(r, c.truthFrames);
        if (why) out.push(`${c.clip} CRF ${c.crf}, ${side} run ${i + 1}: ${why}${said(r.warnings)}.`);
      });
    }
  }
  return out;
}

/** said quotes the first few server warnings of a run, for a note. */
function said(warnings: readonly string[]): string {
  return warnings.length
    ? `; the server said: ${warnings
        .slice(0, 3)
        .map((w) => `"${w}"`)
        .join(', ')}${warnings.length > 3 ? ` and ${warnings.length - 3} more` : ''}`
    : '';
}

/** timeIssueNotes lists time-only runs that lost frames before or in the stage. */
export function timeIssueNotes(cases: readonly TimeCase[]): string[] {
  const out: string[] = [];
  for (const c of cases) {
    for (const [side, runs] of [
      ['model', c.model],
      ['bicubic', c.bicubic],
    ] as const) {
      runs.forEach((r, i) => {
        const why: string[] = [];
        if (r.framesIn !== c.published) why.push(`${c.published - r.framesIn} of ${c.published} published frames never reached the stage`);
        if (r.framesOut !== r.framesIn) why.push(`${r.framesIn} frames in, ${r.framesOut} out`);
        if (why.length)
          out.push(`${c.inSize} ${side} run ${i + 1}: ${why.join('; ')} (drain ${fmt(r.drainSeconds, 1)} s)${said(r.warnings)}.`);
      });
    }
  }
  return out;
}

/** qualityTable: Y-PSNR and SSIM, model beside bicubic, the gains, the AI share and the frames. */
export function qualityTable(cases: readonly QualityCase[]): BenchTable {
  return {
    caption:
      'Quality the viewer gets (top HLS rendition vs the original clip; medians over repeats; gains paired per repeat, over the frames both runs showed)',
    head: [
      'clip',
      'in -> out',
      'CRF',
      'Y-PSNR model',
      'Y-PSNR bicubic',
      'gain dB',
      'SSIM model',
      'SSIM bicubic',
      'SSIM gain',
      'AI pixels / frames',
      'load',
      'frames in/out',
      'offset',
    ],
    rows: cases.map((c) => [
      c.clip,
      `${c.inSize} -> ${c.outSize}`,
      String(c.crf),
      fmt(
        med(c.model, (r) => r.psnr),
        2,
      ),
      fmt(
        med(c.bicubic, (r) => r.psnr),
        2,
      ),
      signed(pairedMedian(c.model, c.bicubic, psnrGain), 2),
      fmt(
        med(c.model, (r) => r.ssim),
        4,
      ),
      fmt(
        med(c.bicubic, (r) => r.ssim),
        4,
      ),
      signed(pairedMedian(c.model, c.bicubic, ssimGain), 4),
      aiCell(c.model),
      fmt(
        med(c.model, (r) => r.load),
        1,
      ),
      framesCell([...c.model, ...c.bicubic], c.truthFrames),
      distinct([...c.model, ...c.bicubic].map((r) => r.offset)),
    ]),
  };
}

/** flickerTable: output change on pixels the truth holds still, model beside bicubic. */
export function flickerTable(cases: readonly QualityCase[]): BenchTable {
  return {
    caption: 'Flicker on static pixels (mean |Y(t) - Y(t-1)| of the output where the truth is unchanged; lower is steadier)',
    head: ['clip', 'CRF', 'static pixels', 'flicker model', 'flicker bicubic', 'model / bicubic'],
    rows: cases.map((c) => {
      const m = med(c.model, (r) => r.staticFlicker);
      const b = med(c.bicubic, (r) => r.staticFlicker);
      return [c.clip, String(c.crf), `${fmt(100 * med(c.model, (r) => r.staticShare), 1)} %`, fmt(m, 3), fmt(b, 3), fmt(m / b, 2)];
    }),
  };
}

/** offlineTable: the model on every frame (quality mode) against bicubic, and how much of that gain the live stream kept. */
export function offlineTable(cases: readonly QualityCase[]): BenchTable {
  return {
    caption:
      'Offline reference: the same publisher file through `uprez file` (quality mode, the model on every frame) and `--model bicubic`',
    head: ['clip', 'CRF', 'model', 'Y-PSNR model', 'Y-PSNR bicubic', 'gain dB', 'SSIM gain', 'live gain / offline gain'],
    rows: cases.flatMap((c) => {
      const o = c.offline;
      if (!o) return [];
      return [
        [
          c.clip,
          String(c.crf),
          o.model,
          fmt(o.psnrModel, 2),
          fmt(o.psnrBicubic, 2),
          signed(o.psnrGain, 2),
          signed(o.ssimGain, 4),
          fmt(pairedMedian(c.model, c.bicubic, psnrGain) / o.psnrGain, 2),
        ],
      ];
    }),
  };
}

/** timeTable: AI share and output fps at the sizes live streams carry, model beside bicubic. */
export function timeTable(cases: readonly TimeCase[]): BenchTable {
  return {
    caption: 'AI reach and frame rate (time only; medians over repeats)',
    head: [
      'input',
      'AI pixels / frames',
      'load',
      'output fps model',
      'output fps bicubic',
      'fps model / bicubic',
      'drain s model / bicubic',
      'frames out (model / bicubic) of published',
      'deadline misses',
    ],
    rows: cases.map((c) => {
      const fm = med(c.model, (r) => r.fps);
      const fb = med(c.bicubic, (r) => r.fps);
      return [
        `${c.inSize} @ ${fmt(c.inputFps, 2)} fps`,
        aiCell(c.model),
        fmt(
          med(c.model, (r) => r.load),
          1,
        ),
        fmt(fm, 2),
        fmt(fb, 2),
        fmt(fm / fb, 2),
        `${fmt(
          med(c.model, (r) => r.drainSeconds),
          1,
        )} / ${fmt(
          med(c.bicubic, (r) => r.drainSeconds),
          1,
        )}`,
        `${fmt(
          med(c.model, (r) => r.framesOut),
          0,
        )} / ${fmt(
          med(c.bicubic, (r) => r.framesOut),
          0,
        )} of ${c.published}`,
        fmt(
          med(c.model, (r) => r.deadlineMisses),
          0,
        ),
      ];
    }),
  };
}

/** signed prints a difference with its sign (+0.00 for none). */
export function signed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(digits);
  if (/^-0(\.0*)?$/.test(s)) return `+${s.slice(1)}`; // a rounded-away negative reads as no change
  return v >= 0 ? `+${s}` : s;
}

/** Options of createProgress; `out` defaults to stderr and `now` (milliseconds) to performance.now. */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
  json?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  now?: () => number;
}

/** Progress reports how far a long command has come; finish() ends it (further calls do nothing). */
export interface Progress {
  update(done: number, extra?: Record<string, string | number>): void;
  finish(summary?: string): void;
}

/** A TTY bar is redrawn at most this often (about 10 per second). */
const TTY_INTERVAL_MS = 100;
/** Plain lines (a log file, a pipe, CI) at most this often, so a log stays readable. */
const PLAIN_INTERVAL_MS = 2000;
/** JSON lines at most this often: enough for a UI, bounded when updates come per frame. */
const JSON_INTERVAL_MS = 500;
/** No rate (nor ETA) before this much time has been measured. */
const MIN_RATE_SPAN_S = 1;

/** The rate is measured over this recent window, so it follows changes of speed. */
const RATE_WINDOW_MS = 5000;
const BAR_WIDTH = 24;

interface Sample {
  readonly t: number;
  readonly done: number;
}

type Mode = 'tty' | 'plain' | 'json';

/** ProgressState is one measurement: counts, rate in units per second and ETA in seconds (undefined when unknown). */
interface ProgressState {
  readonly done: number;
  readonly total: number | undefined;
  readonly rate: number | undefined;
  readonly etaS: number | undefined;
  readonly extra: Readonly<Record<string, string | number>>;
}

/** rateUnit names the rate: frames per second read "fps", anything else "<unit>/s". */
export function rateUnit(unit: string): string {
  return unit === 'frame' || unit === 'frames' ? 'fps' : `${unit}/s`;
}

/** formatEta renders seconds as m:ss, or h:mm:ss from an hour on. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

function extraText(extra: Readonly<Record<string, string | number>>): string {
  return Object.entries(extra)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** renderBar draws `[#####-----]` for a fraction in [0, 1]. */
export function renderBar(fraction: number, width = BAR_WIDTH): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** statusText is the human line: label, bar and percentage (when the total is known), counts, rate, ETA and extras. */
function statusText(label: string, unit: string, s: ProgressState, withBar: boolean): string {
  const parts = [label];
  if (s.total !== undefined && s.total > 0) {
    const fraction = s.done / s.total;
    if (withBar) parts.push(renderBar(fraction));
    parts.push(`${s.done}/${s.total} ${unit}`, `${Math.floor(fraction * 100)}%`);
  } else {
    parts.push(`${s.done} ${unit}`);
  }
  if (s.rate !== undefined) parts.push(`${formatRate(s.rate)} ${rateUnit(unit)}`);
  if (s.etaS !== undefined) parts.push(`ETA ${formatEta(s.etaS)}`);
  const extra = extraText(s.extra);
  if (extra) parts.push(extra);
  return parts.join('  ');
}

function round(v: number | undefined, digits: number): number | null {
  if (v === undefined) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * createProgress reports progress in the form that suits the output: a single redrawn line with a
 * bar, rate and ETA on a terminal (about 10 redraws a second); plain lines at most every ~2 s
 * otherwise (logs, pipes, CI); or one JSON object per line (`{label, done, total, rate, etaS, unit,
 * ...extra}`) when `json` is set. finish() always writes the final state.
 */
export function createProgress(opts: ProgressOptions): Progress {
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const unit = opts.unit ?? 'items';
  const mode: Mode = opts.json ? 'json' : out.isTTY ? 'tty' : 'plain';
  const interval = mode === 'tty' ? TTY_INTERVAL_MS : mode === 'json' ? JSON_INTERVAL_MS : PLAIN_INTERVAL_MS;
  const started = now();
  const samples: Sample[] = [{ t: started, done: 0 }];
  let last: ProgressState = { done: 0, total: opts.total, rate: undefined, etaS: undefined, extra: {} };
  let lastWrite = -Infinity;
  let finished = false;
  let drawn = false;

  const measure = (done: number, extra: Readonly<Record<string, string | number>>): ProgressState => {
    const t = now();
    samples.push({ t, done });
    while (samples.length > 2 && t - (samples[1] as Sample).t >= RATE_WINDOW_MS) samples.shift();
    const first = samples[0] as Sample;
    const dt = (t - first.t) / 1000;
    // Under a second of history (a job's first frames, or a resumed job's jump to where it was)
    // gives absurd rates: say nothing until there is one to measure.
    const rate = dt >= MIN_RATE_SPAN_S ? Math.max(0, (done - first.done) / dt) : undefined;
    const remaining = opts.total === undefined ? undefined : Math.max(0, opts.total - done);
    const etaS = remaining === 0 ? 0 : remaining === undefined || rate === undefined ? undefined : rate > 0 ? remaining / rate : undefined;
    return { done, total: opts.total, rate, etaS, extra };
  };

  const write = (s: ProgressState, final: boolean, summary?: string): void => {
    if (mode === 'json') {
      const obj: Record<string, unknown> = {
        label: opts.label,
        done: s.done,
        total: s.total ?? null,
        rate: round(s.rate, 2),
        etaS: round(s.etaS, 1),
        unit,
        ...s.extra,
      };
      if (final) {
        obj['finished'] = true;
        obj['elapsedS'] = round((now() - started) / 1000, 2);
        if (summary !== undefined) obj['summary'] = summary;
      }
      out.write(JSON.stringify(obj) + '\n');
      return;
    }
    if (mode === 'plain') {
      out.write(statusText(opts.label, unit, s, false) + '\n');
      if (final && summary !== undefined) out.write(summary + '\n');
      return;
    }
    // TTY: one line, erased and redrawn; the cursor is left at column 0 so that a line another
    // writer prints next replaces the bar instead of being appended to it.
    const columns = out.columns && out.columns > 10 ? out.columns : 80;
    if (final && summary !== undefined) {
      out.write('\r\x1b[2K' + summary + '\n');
    } else {
      const text = statusText(opts.label, unit, s, true).slice(0, columns - 1);
      out.write('\r\x1b[2K' + text + (final ? '\n' : '\r'));
    }
    drawn = !final;
  };

  return {
    update(done, extra = {}) {
      if (finished) return;
      last = measure(done, extra);
      const t = now();
      if (t - lastWrite < interval) return;
      lastWrite = t;
      write(last, false);
    },
    finish(summary) {
      if (finished) return;
      finished = true;
      if (mode === 'tty' && !drawn && summary !== undefined) {
        out.write(summary + '\n');
        return;
      }
      write(measure(last.done, last.extra), true, summary);
    },
  };
}

/**
 * progressStream adapts a minimal writer (a CLI's stderr, a test fake) to ProgressOptions.out:
 * createProgress only calls write() and reads isTTY and columns.
 */
export function progressStream(w: {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}): NonNullable<ProgressOptions['out']> {
  return w as NonNullable<ProgressOptions['out']>;
}

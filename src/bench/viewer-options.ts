/** The viewer benchmark's `uprez bench` flags (pure): clips, CRFs, repeats, SSIM sampling, time-run length, the CLI. */
import path from 'node:path';
import { UprezError } from '../errors.js';

/** ViewerOptions are the parsed viewer flags. */
export interface ViewerOptions {
  /** Folder of truth clips; null: defaultVideoDir() of the repository. */
  readonly videoDir: string | null;
  /** Clip names to score; null: all found. */
  readonly clips: readonly string[] | null;
  readonly crfs: readonly number[];
  readonly repeats: number;
  readonly ssimEvery: number;
  /** Seconds per time-only run (0: none). */
  readonly timeSeconds: number;
  /** The built CLI's main.js to run as `uprez serve`; null: the one beside this module. */
  readonly cli: string | null;
  /** Also score `uprez file` in quality mode (the model on every frame) per clip and CRF. */
  readonly offline: boolean;
}

/** VIEWER_FLAGS is the parseFlags spec of the viewer flags. */
export const VIEWER_FLAGS = {
  'video-dir': { type: 'string' },
  clips: { type: 'string' },
  crf: { type: 'string' },
  repeats: { type: 'string' },
  'ssim-every': { type: 'string' },
  'time-seconds': { type: 'string' },
  cli: { type: 'string' },
  offline: { type: 'boolean' },
} as const;

/** VIEWER_USAGE is the help text for the viewer flags. */
export const VIEWER_USAGE = [
  '  viewer benchmark (--only viewer):',
  '  --video-dir DIR   truth clips: each video file is a clip, each folder of them one clip played in a row (default ../shared/datasets/video beside the repository)',
  '  --clips LIST      comma-separated clip names to score (default: all found)',
  "  --crf LIST        the publisher's x264 CRFs (default 23,30)",
  '  --repeats N       model and bicubic runs per case, interleaved; medians reported (default 3; --quick 1)',
  '  --ssim-every N    SSIM on every N-th frame, PSNR on all (default 10; --quick 30)',
  '  --time-seconds S  length of the 640x360 and 1280x720 time-only runs, 0 for none (default 30; --quick 10)',
  '  --cli PATH        the built main.js run as `uprez serve` (default: the one beside this build)',
  '  --offline         also score `uprez file` (quality mode: the live model on every frame) and bicubic on each publisher file: the ceiling of the live gain',
].join('\n');

function bad(msg: string): UprezError {
  return new UprezError('CLI_BAD_FLAG', msg);
}

/** defaultVideoDir is ../shared/datasets/video relative to the repository root. */
export function defaultVideoDir(repoRoot: string): string {
  return path.resolve(repoRoot, '..', 'shared', 'datasets', 'video');
}

function intFlag(values: Readonly<Record<string, unknown>>, name: string, def: number, min: number, max: number): number {
  const v = values[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max)
    throw bad(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** parseViewerOptions reads the viewer flags from parseFlags' values; every error names the flag. */
export function parseViewerOptions(values: Readonly<Record<string, unknown>>, quick: boolean): ViewerOptions {
  const list = (name: string): string[] | null => {
    const v = values[name];
    if (v === undefined) return null;
    const items = String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!items.length) throw bad(`--${name} needs a comma-separated list`);
    return items;
  };
  const crfs = (list('crf') ?? ['23', '30']).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 51) throw bad(`--crf takes x264 CRFs from 0 to 51; got "${s}"`);
    return n;
  });
  const clips = list('clips');
  if (clips?.some((c) => !/^[\w.-]+$/.test(c))) throw bad('--clips takes clip names (letters, digits, . _ -)');
  const dir = values['video-dir'];
  const cli = values['cli'];
  return {
    videoDir: typeof dir === 'string' ? path.resolve(dir) : null,
    clips,
    crfs: [...new Set(crfs)],
    repeats: intFlag(values, 'repeats', quick ? 1 : 3, 1, 50),
    ssimEvery: intFlag(values, 'ssim-every', quick ? 30 : 10, 1, 10_000),
    timeSeconds: intFlag(values, 'time-seconds', quick ? 10 : 30, 0, 3_600),
    cli: typeof cli === 'string' ? path.resolve(cli) : null,
    offline: values['offline'] === true,
  };
}

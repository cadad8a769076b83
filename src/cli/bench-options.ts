/** `uprez bench` options: which benchmarks, how long, which model and provider. Pure. */
import { UprezError } from '../errors.js';
import { parseFlags } from './parse-flags.js';
import { SERVE_DEFAULTS } from '../config/serve-config.js';
import { X264_PRESETS, formatX264Presets, parseX264Presets, type X264PresetChoice } from '../encode/video-codec.js';
import { BENCH_IDS, type BenchId } from '../bench/bench-section.js';
import { parseViewerOptions, VIEWER_FLAGS, VIEWER_USAGE, type ViewerOptions } from '../bench/viewer-options.js';
import type { ProviderChoice } from '../upscale/model-runner.js';

/** BenchOptions are the parsed `uprez bench` flags. */
export interface BenchOptions {
  readonly only: readonly BenchId[];
  readonly quick: boolean;
  /** Report file to update (the sections that ran are replaced); null: print only. */
  readonly out: string | null;
  /** Model name or path; undefined: the default for x2. */
  readonly model: string | undefined;
  /** Live runs: the server's --fallback-model (NAME, path or 'none'); undefined: the server's default. */
  readonly fallbackModel: string | undefined;
  readonly provider: ProviderChoice;
  /** onnxruntime intra-op threads for the overhead benchmark. */
  readonly threads: number;
  /** Seconds per live run (default 60; --quick 15). */
  readonly liveSeconds: number;
  /** Live runs: the server's --inference-workers (default: the server's). */
  readonly workers: number;
  /** Live runs: the server's --hysteresis (default on, as the server). */
  readonly hysteresis: boolean;
  /** Live runs: the server's --x264-preset (default: the server's). */
  readonly x264Preset: X264PresetChoice;
  /** The viewer benchmark's flags. */
  readonly viewer: ViewerOptions;
  readonly help: boolean;
}

const SPEC = {
  only: { type: 'string' },
  quick: { type: 'boolean' },
  out: { type: 'string' },
  'no-write': { type: 'boolean' },
  model: { type: 'string' },
  'fallback-model': { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  'live-seconds': { type: 'string' },
  workers: { type: 'string' },
  hysteresis: { type: 'string' },
  'x264-preset': { type: 'string' },
  help: { type: 'boolean' },
  ...VIEWER_FLAGS,
} as const;

/** BENCH_USAGE is the help text. */
export const BENCH_USAGE = [
  'Usage: uprez bench [--only LIST] [--quick] [--out BENCHMARKS.md | --no-write] [--model NAME|PATH] [--fallback-model NAME|none] [--provider auto|cpu|cuda] [--threads N] [--live-seconds S] [--workers N] [--hysteresis on|off] [--x264-preset P] [viewer flags below]',
  '',
  `  --only LIST       comma-separated subset of: ${BENCH_IDS.join(', ')} (default: all)`,
  '  --quick           fewer frames and repeats, 15 s live runs (a smoke run, not figures to publish)',
  '  --out FILE        report file whose sections are replaced by this run (default BENCHMARKS.md)',
  '  --no-write        print the tables only',
  "  --fallback-model M  live runs: the server's --fallback-model (default: the card marked liveFallback)",
  '  --provider P      onnxruntime execution provider (default auto: CUDA when available)',
  '  --threads N       intra-op threads for the overhead benchmark (default 1, as the server)',
  '  --live-seconds S  length of each live publish (default 60)',
  `  --workers N       live runs: the server's --inference-workers (default ${SERVE_DEFAULTS.inferenceWorkers}, as the server)`,
  "  --hysteresis on|off  live runs: the server's --hysteresis (default on, as the server)",
  `  --x264-preset P   live runs: the server's --x264-preset (default ${formatX264Presets(SERVE_DEFAULTS.x264Preset)}, as the server)`,
  VIEWER_USAGE,
  '',
].join('\n');

function bad(msg: string): UprezError {
  return new UprezError('CLI_BAD_FLAG', msg);
}

/** parseBenchOptions parses `uprez bench` flags; every error names the flag. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseFlags(argv, SPEC);
  if (positionals.length) throw bad(`unexpected argument "${positionals[0]}"`);
  let only: BenchId[] = [...BENCH_IDS];
  if (typeof values['only'] === 'string') {
    const list = values['only']
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = list.find((s) => !(BENCH_IDS as readonly string[]).includes(s));
    if (unknown !== undefined || list.length === 0)
      throw bad(`--only takes a comma-separated list of ${BENCH_IDS.join(', ')}${unknown ? `; got "${unknown}"` : ''}`);
    only = BENCH_IDS.filter((id) => list.includes(id));
  }
  const provider = values['provider'] ?? 'auto';
  if (provider !== 'auto' && provider !== 'cpu' && provider !== 'cuda') throw bad('--provider must be auto, cpu or cuda');
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = values[name];
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw bad(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const quick = values['quick'] === true;
  const hysteresis = values['hysteresis'] ?? 'on';
  if (hysteresis !== 'on' && hysteresis !== 'off') throw bad('--hysteresis must be on or off');
  const presetFlag = values['x264-preset'];
  const preset = typeof presetFlag !== 'string' ? SERVE_DEFAULTS.x264Preset : parseX264Presets(presetFlag);
  if (preset === null)
    throw bad(`--x264-preset must be auto, or one of ${X264_PRESETS.join(', ')} (one per rung, top first, comma-separated)`);
  if (values['no-write'] === true && values['out'] !== undefined) throw bad('--out and --no-write exclude each other');
  return {
    only,
    quick,
    out: values['no-write'] === true ? null : typeof values['out'] === 'string' ? values['out'] : 'BENCHMARKS.md',
    model: typeof values['model'] === 'string' ? values['model'] : undefined,
    fallbackModel: typeof values['fallback-model'] === 'string' ? values['fallback-model'] : undefined,
    provider,
    threads: int('threads', 1, 1, 64),
    liveSeconds: int('live-seconds', quick ? 15 : 60, 5, 3_600),
    workers: int('workers', SERVE_DEFAULTS.inferenceWorkers, 1, 64),
    hysteresis: hysteresis === 'on',
    x264Preset: preset,
    viewer: parseViewerOptions(values, quick),
    help: values['help'] === true,
  };
}

import { defaultModelsDir, scanModels, type ModelCard } from '../upscale/model-registry.js';
import type { Command } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

/** MODELS_USAGE is the help text of `uprez models`. */
export const MODELS_USAGE = [
  'Usage: uprez models [--json] [--dir DIR]',
  '',
  'Lists the models uprez ships (models/NAME.onnx with its card models/NAME.json): scale, cost in',
  'multiply-accumulates per input pixel, Set5 Y-PSNR/SSIM beside bicubic, the gain over bicubic when',
  'the input went through H.264 at CRF 23 and CRF 28 (Set5 pictures / held-out real video frames),',
  'which is the default for its scale (what serve, image and file use without --model) and the',
  'denoise level (0 none .. 3 heavy compression) a model of a per-level family was trained for.',
  '  --json  print the cards as JSON (one array; each entry has the summary and the whole card)',
  '  --dir   read another models folder (default: the models/ folder of this install)',
  '',
].join('\n');

const SPEC = {
  json: { type: 'boolean' },
  dir: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** Set5Quality is the card's Set5 figures for the model and for bicubic on the same inputs. */
export interface Set5Quality {
  readonly psnrY: number;
  readonly ssimY: number;
  readonly bicubicPsnrY: number;
  readonly bicubicSsimY: number;
}

/** CompressedGains: gain over bicubic (dB) of the same decoded LR per condition, from the card's quality.compressed. */
export interface CompressedGains {
  readonly set5: Readonly<Record<string, number>>;
  readonly video: Readonly<Record<string, number>>;
}

/** compressedOf reads quality.compressed.{set5,video}[condition].gainDb from a card, or null when it has none. */
export function compressedOf(quality: unknown): CompressedGains | null {
  const c = isRecord(quality) ? quality['compressed'] : undefined;
  if (!isRecord(c)) return null;
  const gains = (v: unknown): Record<string, number> => {
    const out: Record<string, number> = {};
    if (!isRecord(v)) return out;
    for (const [cond, row] of Object.entries(v)) if (isRecord(row) && typeof row['gainDb'] === 'number') out[cond] = row['gainDb'];
    return out;
  };
  const set5 = gains(c['set5']);
  const video = gains(c['video']);
  return Object.keys(set5).length || Object.keys(video).length ? { set5, video } : null;
}

/** ModelSummary is one row of `uprez models` (and the summary part of its JSON). */
export interface ModelSummary {
  readonly name: string;
  readonly scale: number;
  readonly default: boolean;
  /** The model `uprez serve` picks for live streams at this scale. */
  readonly liveDefault: boolean;
  /** The model live streams step down to before bicubic at this scale (the model ladder's lower rung). */
  readonly liveFallback: boolean;
  readonly macsPerPixel: number | null;
  readonly set5: (Set5Quality & { readonly gainDb: number }) | null;
  /** Gains on compressed input (clean, crf18 .. crf33), when the card has the table. */
  readonly compressed: CompressedGains | null;
  /** The compression level the model was trained for (0 none .. 3 heavy), when the card says. */
  readonly denoiseLevel: number | null;
  readonly description: string;
  readonly license: string | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** set5Of reads quality.set5 from a card, or null when the card lacks any of the four figures. */
export function set5Of(quality: unknown): Set5Quality | null {
  const set5 = isRecord(quality) ? quality['set5'] : undefined;
  if (!isRecord(set5)) return null;
  const { psnrY, ssimY, bicubicPsnrY, bicubicSsimY } = set5;
  if (typeof psnrY !== 'number' || typeof ssimY !== 'number' || typeof bicubicPsnrY !== 'number' || typeof bicubicSsimY !== 'number')
    return null;
  return { psnrY, ssimY, bicubicPsnrY, bicubicSsimY };
}

/** summarizeModel extracts what `uprez models` shows from a parsed card. */
export function summarizeModel(card: ModelCard): ModelSummary {
  const q = set5Of(card.quality);
  return {
    name: card.name,
    scale: card.scale,
    default: card.default,
    liveDefault: card.liveDefault,
    liveFallback: card.liveFallback,
    macsPerPixel: card.macsPerPixel ?? null,
    set5: q === null ? null : { ...q, gainDb: Math.round((q.psnrY - q.bicubicPsnrY) * 1000) / 1000 },
    compressed: compressedOf(card.quality),
    denoiseLevel: card.denoiseLevel ?? null,
    description: card.description,
    license: card.license ?? null,
  };
}

/** formatModelsTable renders the summaries as an aligned table, one model per row, descriptions below. */
export function formatModelsTable(models: readonly ModelSummary[]): string {
  const header = [
    'NAME',
    'SCALE',
    'MACs/px',
    'Set5 PSNR-Y (bicubic)',
    'gain',
    'CRF 23 gain (Set5/video)',
    'CRF 28 gain (Set5/video)',
    'Set5 SSIM-Y (bicubic)',
    'DEFAULT',
  ];
  const db = (v: number | undefined): string => (v === undefined ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);
  const crf = (m: ModelSummary, cond: string): string =>
    m.compressed ? `${db(m.compressed.set5[cond])} / ${db(m.compressed.video[cond])} dB` : '-';
  const rows = models.map((m) => [
    m.name,
    `x${m.scale}`,
    m.macsPerPixel === null ? '-' : m.macsPerPixel.toLocaleString('en-US'),
    m.set5 ? `${m.set5.psnrY.toFixed(2)} dB (${m.set5.bicubicPsnrY.toFixed(2)})` : '-',
    m.set5 ? `${m.set5.gainDb >= 0 ? '+' : ''}${m.set5.gainDb.toFixed(2)} dB` : '-',
    crf(m, 'crf23'),
    crf(m, 'crf28'),
    m.set5 ? `${m.set5.ssimY.toFixed(4)} (${m.set5.bicubicSsimY.toFixed(4)})` : '-',
    [
      m.default ? 'files' : '',
      m.liveDefault ? 'live' : '',
      m.liveFallback ? 'live fallback' : '',
      m.denoiseLevel === null ? '' : `denoise ${m.denoiseLevel}`,
    ]
      .filter(Boolean)
      .join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const notes = models.map((m) => `  ${m.name}: ${m.description}${m.license ? ` (${m.license})` : ''}`);
  return [line(header), ...rows.map(line), '', ...notes, ''].join('\n');
}

/** runModelsCommand is `uprez models [--json] [--dir DIR]`: the shipped models and their cards. */
export const runModelsCommand: Command = async (argv, io) => {
  const { values } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(MODELS_USAGE);
    return 0;
  }
  const dir = typeof values['dir'] === 'string' ? values['dir'] : defaultModelsDir();
  const scan = scanModels(dir);
  for (const s of scan.skipped) io.stderr.write(`uprez models: skipped ${s}\n`);
  const summaries = scan.models.map(summarizeModel);
  if (values['json']) {
    const body = scan.models.map((card, i) => ({ ...summaries[i], path: card.path, card: card.fields }));
    io.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return 0;
  }
  if (summaries.length === 0) {
    io.stdout.write(`no models in ${dir} (each needs NAME.onnx and its card NAME.json); serve falls back to bicubic with --model none\n`);
    return 0;
  }
  io.stdout.write(formatModelsTable(summaries));
  return 0;
};

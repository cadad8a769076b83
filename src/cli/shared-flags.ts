/** Flags more than one command reads (image, file, eval, restream): parsed the same way, errors name the flag (CLI_BAD_FLAG). */
import { UprezError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { PROVIDER_CHOICES, type ProviderChoice } from '../upscale/model-runner.js';
import type { CliIo } from './cli-io.js';

/** parseScaleFlag reads --scale (2 or 4; `def` when absent). */
export function parseScaleFlag(v: unknown, def: 2 | 4 | undefined): 2 | 4 | undefined {
  if (v === undefined) return def;
  if (v !== '2' && v !== '4') throw new UprezError('CLI_BAD_FLAG', `--scale must be 2 or 4, got "${String(v)}"`);
  return Number(v) as 2 | 4;
}

/** parseProviderFlag reads --provider (auto, cpu or cuda; auto when absent). */
export function parseProviderFlag(v: unknown): ProviderChoice {
  if (v === undefined) return 'auto';
  const choice = PROVIDER_CHOICES.find((c) => c === v);
  if (choice === undefined) throw new UprezError('CLI_BAD_FLAG', `--provider must be auto, cpu or cuda, got "${String(v)}"`);
  return choice;
}

/** parseIntFlag reads a whole-number flag within [min, max], `def` when absent; errors name the flag. */
export function parseIntFlag(name: string, v: unknown, min: number, max: number, def: number): number {
  if (v === undefined) return def;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max))
    throw new UprezError('CLI_BAD_FLAG', `--${name} must be a whole number from ${min} to ${max}, got "${String(v)}"`);
  return n;
}

/** stringFlag narrows a parsed value-taking flag to string | undefined. */
export function stringFlag(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** cliLogger sends warnings (and errors) of the model runner to stderr, one line each. */
export function cliLogger(io: CliIo, command: string): Logger {
  return createLogger({ level: 'warn', sink: (line) => io.stderr.write(line + '\n'), fields: { stage: 'cli', command } });
}

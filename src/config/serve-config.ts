import path from 'node:path';
import { UprezError } from '../errors.js';
import type { ServeConfig } from './serve-config-type.js';
import { SERVE_FIELDS } from './serve-fields.js';

export type { ServeConfig } from './serve-config-type.js';
export { SERVE_FIELDS } from './serve-fields.js';

/** SERVE_DEFAULTS are the embedded defaults: `uprez serve` needs no config file. */
export const SERVE_DEFAULTS: ServeConfig = Object.freeze({
  host: '0.0.0.0',
  rtmpPort: 1935,
  httpPort: 8000,
  dataDir: path.resolve('data'),
  model: undefined,
  fallbackModel: undefined,
  scale: 2,
  latencyBudgetMs: 250,
  provider: 'auto',
  inferenceEngine: 'auto',
  inferenceWorkers: 2,
  inferenceThreads: 1,
  maxInFlight: 4,
  segmentSeconds: 2,
  hysteresis: true,
  onModelError: 'fail',
  hlsListSize: 6,
  hlsMode: 'll',
  reconnectWindowSeconds: 30,
  encoder: 'x264',
  denoise: 'auto',
  x264Preset: 'auto',
  logLevel: 'info',
  publishKeys: Object.freeze([]),
  publishSecret: '',
  publishRateLimit: 30,
  apiToken: '',
  metricsToken: '',
  jobsInputDir: '',
  jobsConcurrency: 1,
  hlsOrigin: '',
  registry: '',
  advertiseUrl: '',
  leaseTtlSeconds: 5,
  uploadMaxMb: 256,
  uploadRetentionHours: 24,
});

/**
 * parseServeConfig builds the config from defaults, then environment (UPREZ_*), then flags
 * (flags win), validates every value and the cross-field rules, and freezes the result.
 * Every error names the flag or variable and the accepted values.
 */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig {
  const out: Record<string, unknown> = { ...SERVE_DEFAULTS };
  for (const f of SERVE_FIELDS) {
    const raw = env[f.env];
    if (raw !== undefined && raw !== '') out[f.key] = f.parse(raw, `${f.env}`);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const field = SERVE_FIELDS.find((f) => f.flag === flag);
    if (!field) {
      throw new UprezError('CONFIG_UNKNOWN_FLAG', `unknown option "${arg}" for serve (see uprez serve --help)`);
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      i++;
    }
    if (raw === undefined || (eq === -1 && raw.startsWith('--'))) {
      throw new UprezError('CONFIG_INVALID', `${field.flag} needs a value (${field.help})`);
    }
    out[field.key] = field.parse(raw, field.flag);
  }
  const cfg = out as unknown as ServeConfig;
  if (cfg.rtmpPort !== 0 && cfg.rtmpPort === cfg.httpPort) {
    throw new UprezError('CONFIG_INVALID', `--rtmp-port and --http-port must differ (both ${cfg.rtmpPort})`);
  }
  if (cfg.publishKeys.length > 0 && cfg.publishSecret) {
    throw new UprezError(
      'CONFIG_INVALID',
      'set either --publish-keys (UPREZ_PUBLISH_KEYS) or --publish-secret (UPREZ_PUBLISH_SECRET), not both',
    );
  }
  return Object.freeze(cfg);
}

/** serveHelp renders the options table for `uprez serve --help`. */
export function serveHelp(): string {
  const rows = SERVE_FIELDS.map((f) => {
    const def = SERVE_DEFAULTS[f.key];
    const shown =
      f.key === 'dataDir'
        ? './data'
        : def === undefined
          ? '(default for the scale)'
          : Array.isArray(def)
            ? def.join(',') || '(any)'
            : def === ''
              ? '(none)'
              : String(def);
    return `  ${f.flag.padEnd(22)} ${f.env.padEnd(26)} ${f.help} [${shown}]`;
  });
  return ['Usage: uprez serve [options]', '', '  flag                   environment variable', ...rows, ''].join('\n');
}

import { UprezError } from '../errors.js';

/** FlagSpec declares one long flag: a boolean switch, or one that takes a value. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** May be given more than once (values collected in order). */
  readonly multiple?: boolean;
}

/** ParsedFlags holds flag values by name (without the leading dashes) and positional arguments. */
export interface ParsedFlags {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * parseFlags parses `--name value`, `--name=value` and `--switch` against a spec; unknown flags
 * and missing values are errors that name the flag, so a typo never silently does nothing.
 */
export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const values: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const def = spec[name];
    if (!def) {
      const known = Object.keys(spec)
        .map((k) => `--${k}`)
        .join(', ');
      throw new UprezError('CLI_UNKNOWN_FLAG', `unknown flag --${name} (known: ${known || 'none'})`);
    }
    let value: string | boolean;
    if (def.type === 'boolean') {
      if (eq !== -1) {
        const raw = arg.slice(eq + 1);
        if (raw !== 'true' && raw !== 'false') {
          throw new UprezError('CLI_BAD_FLAG', `--${name} takes no value or true/false, got "${raw}"`);
        }
        value = raw === 'true';
      } else {
        value = true;
      }
    } else if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new UprezError('CLI_MISSING_VALUE', `--${name} needs a value`);
      }
      value = next;
      i++;
    }
    if (def.multiple) {
      const list = (values[name] as string[] | undefined) ?? [];
      list.push(String(value));
      values[name] = list;
    } else {
      values[name] = value;
    }
  }
  return { values, positionals };
}

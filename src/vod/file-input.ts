import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';

/** FileInput is a validated job input: a local regular file (absolute path) or a network URL. */
export type FileInput =
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeMs: number }
  | { readonly kind: 'url'; readonly url: string };

/** InputPolicy says what inputs a caller may name. */
export interface InputPolicy {
  /** Local files must lie inside this directory (after symlinks); null = anywhere (the CLI). */
  readonly root: string | null;
  /** URL schemes accepted (lower case, without "://"); [] = local files only. */
  readonly schemes: readonly string[];
}

/** The CLI's policy: any local file, and http(s) or rtmp(s) archives. */
export const CLI_INPUT_POLICY: InputPolicy = { root: null, schemes: ['http', 'https', 'rtmp', 'rtmps'] };

function bad(msg: string): UprezError {
  return new UprezError('INPUT_INVALID', msg);
}

/**
 * resolveFileInput validates `input` under `policy`: a URL must use an allowed scheme and carry a
 * host (file:, concat:, pipe:, data: and friends are ffmpeg protocols that would reach files or
 * fds and are never accepted); anything else is a local path that must be an existing regular
 * file, inside policy.root when one is set (checked on the real path, so a symlink cannot lead out).
 */
export async function resolveFileInput(input: string, policy: InputPolicy): Promise<FileInput> {
  if (typeof input !== 'string' || input.length === 0 || input.length > 4096 || /[\0\r\n]/.test(input)) {
    throw bad('input must be a path or URL of at most 4096 characters without control characters');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(input)?.[1]?.toLowerCase();
  // "name:…" is an ffmpeg protocol (a one-letter one is a Windows drive); a local file whose name
  // has a colon can be given as ./name.
  if (scheme && scheme.length > 1) {
    if (!policy.schemes.includes(scheme)) {
      const allowed = policy.schemes.length ? `allowed: ${policy.schemes.join(', ')}` : 'only local files are allowed here';
      throw bad(`input scheme "${scheme}:" is not allowed (${allowed}; a local file whose name has a colon can be given as ./NAME)`);
    }
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw bad(`input ${JSON.stringify(input)} is not a valid URL`);
    }
    if (!url.hostname) throw bad('input URL has no host');
    return { kind: 'url', url: url.href };
  }
  const abs = policy.root === null ? path.resolve(input) : path.resolve(policy.root, input);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    throw bad(`input ${input}: no such file`);
  }
  if (policy.root !== null) {
    const root = await realpath(policy.root).catch(() => {
      throw bad(`the jobs input directory ${policy.root} does not exist`);
    });
    if (!real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) throw bad(`input ${input} is outside the jobs input directory`);
  }
  const st = await stat(real);
  if (!st.isFile()) throw bad(`input ${input} is not a regular file`);
  return { kind: 'file', path: real, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
}

/** inputLocation is what ffmpeg is given for a FileInput. */
export function inputLocation(i: FileInput): string {
  return i.kind === 'file' ? i.path : i.url;
}

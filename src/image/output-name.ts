import path from 'node:path';
import { UprezError } from '../errors.js';

/**
 * outputNameFor maps an untrusted input path to the name of its PNG in the output directory: the
 * base name (after the last `/` or `\`) with its extension replaced by `.png`. Names that are empty,
 * `.`/`..`, carry control characters, or are too long for a file system are refused
 * (IMAGE_BAD_NAME), so no input can make uprez write outside the output directory.
 */
export function outputNameFor(inputPath: string): string {
  const base = inputPath.slice(Math.max(inputPath.lastIndexOf('/'), inputPath.lastIndexOf('\\')) + 1);
  const ext = path.posix.extname(base);
  const stem = ext ? base.slice(0, -ext.length) : base;
  if (stem === '' || stem === '.' || stem === '..' || /[\u0000-\u001f\u007f]/.test(stem)) {
    throw new UprezError('IMAGE_BAD_NAME', `refusing output name derived from ${JSON.stringify(inputPath)}`, 'cli', false);
  }
  const name = `${stem}.png`;
  if (Buffer.byteLength(name) > 255) {
    throw new UprezError('IMAGE_BAD_NAME', `output name for ${JSON.stringify(inputPath)} is longer than 255 bytes`, 'cli', false);
  }
  return name;
}

/** outputPathIn joins a name produced by outputNameFor to `dir` and checks that the result is directly inside it. */
export function outputPathIn(dir: string, name: string): string {
  const root = path.resolve(dir);
  const out = path.resolve(root, name);
  if (path.dirname(out) !== root || path.basename(out) !== name) {
    throw new UprezError('IMAGE_BAD_NAME', `refusing to write ${JSON.stringify(name)} outside ${root}`, 'cli', false);
  }
  return out;
}

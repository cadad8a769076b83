import path from 'node:path';
import { UprezError } from '../errors.js';
import { relativeInside } from '../paths/path-inside.js';

/**
 * outputNameFor maps an untrusted input path to the name of its output file: the base name (after
 * the last `/` or `\`) with its extension replaced by `ext` (default `.png`). Names that are empty,
 * `.`/`..`, carry control characters, or are too long for a file system are refused
 * (IMAGE_BAD_NAME), so no input can make uprez write outside the output directory.
 */
export function outputNameFor(inputPath: string, ext = '.png'): string {
  const base = inputPath.slice(Math.max(inputPath.lastIndexOf('/'), inputPath.lastIndexOf('\\')) + 1);
  const inExt = path.posix.extname(base);
  const stem = inExt ? base.slice(0, -inExt.length) : base;
  if (stem === '' || stem === '.' || stem === '..' || /[\u0000-\u001f\u007f]/.test(stem)) {
    throw new UprezError('IMAGE_BAD_NAME', `refusing output name derived from ${JSON.stringify(inputPath)}`);
  }
  const name = `${stem}${ext}`;
  if (Buffer.byteLength(name) > 255) {
    throw new UprezError('IMAGE_BAD_NAME', `output name for ${JSON.stringify(inputPath)} is longer than 255 bytes`);
  }
  return name;
}

/** outputPathIn joins a name produced by outputNameFor to `dir` and checks that the result is directly inside it. */
export function outputPathIn(dir: string, name: string): string {
  const root = path.resolve(dir);
  const out = path.resolve(root, name);
  if (path.dirname(out) !== root || path.basename(out) !== name) {
    throw new UprezError('IMAGE_BAD_NAME', `refusing to write ${JSON.stringify(name)} outside ${root}`);
  }
  return out;
}

/** isSafeSegment says whether one path segment may name a folder under the output directory. */
function isSafeSegment(seg: string): boolean {
  return seg !== '' && seg !== '.' && seg !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(seg) && Buffer.byteLength(seg) <= 255;
}

/**
 * outputPathUnder joins `dir`, the sub-folders `relDir` (segments of an input's path below the folder
 * it was found in) and a name from outputNameFor, refusing (IMAGE_BAD_NAME) any segment that could
 * leave `dir` or is not a plain name, and checking that the result lies inside `dir`.
 */
export function outputPathUnder(dir: string, relDir: readonly string[], name: string): string {
  const bad = relDir.find((seg) => !isSafeSegment(seg));
  if (bad !== undefined) throw new UprezError('IMAGE_BAD_NAME', `refusing folder name ${JSON.stringify(bad)} under ${path.resolve(dir)}`);
  const parent = path.resolve(dir, ...relDir);
  if (relativeInside(dir, parent) === null) {
    throw new UprezError('IMAGE_BAD_NAME', `refusing to write under ${JSON.stringify(relDir.join('/'))} outside ${path.resolve(dir)}`);
  }
  return outputPathIn(parent, name);
}

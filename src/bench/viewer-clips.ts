/**
 * The truth clips of the viewer-quality benchmark, found in a folder: every video file at the
 * top is one clip (named after the file), and every sub-folder of video files is one clip made
 * of its files in name order (e.g. asl/: ten short takes of the same framing, published as one).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UprezError } from '../errors.js';

/** ViewerClip is one truth clip: a name and the files played one after another. */
export interface ViewerClip {
  readonly name: string;
  readonly files: readonly string[];
}

const VIDEO = /\.(mp4|mkv|mov|webm|flv|ts|y4m)$/i;

function videoFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => VIDEO.test(n) && statSync(path.join(dir, n)).isFile())
    .sort()
    .map((n) => path.join(dir, n));
}

/** discoverClips lists the clips in `dir`, sorted by name; null when `dir` does not exist. */
export function discoverClips(dir: string): ViewerClip[] | null {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  const out: ViewerClip[] = videoFiles(dir).map((f) => ({ name: path.basename(f).replace(VIDEO, ''), files: [f] }));
  for (const n of readdirSync(dir).sort()) {
    const sub = path.join(dir, n);
    if (!statSync(sub).isDirectory()) continue;
    const files = videoFiles(sub);
    if (files.length) out.push({ name: n, files });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** pickClips keeps the named clips (all when `names` is null); an unknown name is an error that lists the known ones. */
export function pickClips(all: readonly ViewerClip[], names: readonly string[] | null): ViewerClip[] {
  if (!names) return [...all];
  const known = all.map((c) => c.name);
  const unknown = names.find((n) => !known.includes(n));
  if (unknown !== undefined) throw new UprezError('CLI_BAD_FLAG', `--clips: no clip "${unknown}" (found: ${known.join(', ') || 'none'})`);
  return all.filter((c) => names.includes(c.name));
}

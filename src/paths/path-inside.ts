import path from 'node:path';

/**
 * relativeInside gives `target`'s path relative to `root` when it is `root` itself ('') or below it,
 * else null. Lexical only: callers that must not follow symlinks out resolve both with realpath first.
 */
export function relativeInside(root: string, target: string): string | null {
  const rel = path.relative(path.resolve(root), path.resolve(target));
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? null : rel;
}

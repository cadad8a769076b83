import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';

/** OUTPUT_WRITE_FAILURE matches stderr lines that mean the output directory cannot take more (disk full, read-only, no permission). */
export const OUTPUT_WRITE_FAILURE = /No space left on device|Read-only file system|Permission denied|Disk quota exceeded/i;

/**
 * segmentProblem checks a finished segment: ffmpeg 5.1's file writer ignores write errors (a full
 * disk leaves empty segments and no line on stderr), so an empty segment, or a disk with less
 * free space than two more like it, is an unwritable output. Returns the reason, or null (also
 * when the file is already gone: the live window deleted it).
 */
export async function segmentProblem(file: string): Promise<string | null> {
  try {
    const { size } = await stat(file);
    const fsInfo = await statfs(file);
    const free = fsInfo.bavail * fsInfo.bsize;
    if (size === 0) return `segment ${path.basename(file)} was written empty: No space left on device? (${free} bytes free)`;
    if (free < 2 * size) return `No space left on device: ${free} bytes free on the output disk, segments take ${size}`;
  } catch {
    // gone already: nothing to check
  }
  return null;
}

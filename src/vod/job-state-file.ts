import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** JOB_STATE_FILE is the name of a file job's state file inside its output directory. */
export const JOB_STATE_FILE = '.uprez-job.json';

/** FileJobIdentity is what must match for a job to continue a previous run's output. */
export interface FileJobIdentity {
  /** The input as resolved (absolute path or URL). */
  readonly input: string;
  /** Local files: size and mtime, so a replaced input starts over. */
  readonly inputSize: number | null;
  readonly inputMtimeMs: number | null;
  readonly scale: number;
  /** Upscaler description, e.g. "uprez-x2-fast x2 (2 passes)" or "bicubic". */
  readonly upscaler: string;
  readonly segmentSeconds: number;
}

/** FileJobState is the small record kept in DIR/.uprez-job.json while a file job runs. */
export interface FileJobState extends FileJobIdentity {
  readonly version: 1;
  /** Source frame size and rate, once known (fixed for every run of the job). */
  readonly width: number;
  readonly height: number;
  readonly fpsNum: number;
  readonly fpsDen: number;
  readonly hasAudio: boolean;
  readonly segmentFrames: number;
  readonly rungs: readonly string[];
  /** Leading segments finished in every rung. */
  readonly segmentsDone: number;
  /** Set once the whole job is done: total frames written. */
  readonly totalFrames: number | null;
  readonly finished: boolean;
  readonly updatedAt: string;
}

const IDENTITY_KEYS: readonly (keyof FileJobIdentity)[] = ['input', 'inputSize', 'inputMtimeMs', 'scale', 'upscaler', 'segmentSeconds'];

/** sameJob says whether a saved state belongs to the same job (same input, settings and upscaler). */
export function sameJob(state: FileJobState, id: FileJobIdentity): boolean {
  return IDENTITY_KEYS.every((k) => state[k] === id[k]);
}

/** parseJobState validates a state file's JSON; null when it is not one of ours (then the job starts over). */
export function parseJobState(json: unknown): FileJobState | null {
  if (typeof json !== 'object' || json === null) return null;
  const s = json as Record<string, unknown>;
  const int = (k: string, min = 0): boolean => Number.isInteger(s[k]) && (s[k] as number) >= min;
  const numOrNull = (k: string): boolean => s[k] === null || typeof s[k] === 'number';
  const ok =
    s['version'] === 1 &&
    typeof s['input'] === 'string' &&
    numOrNull('inputSize') &&
    numOrNull('inputMtimeMs') &&
    int('scale', 1) &&
    typeof s['upscaler'] === 'string' &&
    typeof s['segmentSeconds'] === 'number' &&
    int('width', 1) &&
    int('height', 1) &&
    int('fpsNum', 1) &&
    int('fpsDen', 1) &&
    typeof s['hasAudio'] === 'boolean' &&
    int('segmentFrames', 1) &&
    Array.isArray(s['rungs']) &&
    (s['rungs'] as unknown[]).every((r) => typeof r === 'string' && /^\d+p$/.test(r)) &&
    int('segmentsDone') &&
    (s['totalFrames'] === null || int('totalFrames')) &&
    typeof s['finished'] === 'boolean';
  return ok ? (s as unknown as FileJobState) : null;
}

/** readJobState reads DIR/.uprez-job.json; null when absent or unusable. */
export async function readJobState(dir: string): Promise<FileJobState | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, JOB_STATE_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    return parseJobState(JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

/** writeJobState replaces DIR/.uprez-job.json atomically (temp file + rename), so a kill never leaves half a file. */
export async function writeJobState(dir: string, state: FileJobState): Promise<void> {
  const file = path.join(dir, JOB_STATE_FILE);
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

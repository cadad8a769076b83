import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { JOB_ID_PATTERN, type JobRecord, type JobState } from './job-record.js';
import { parseJobSpec } from './job-spec.js';

const STATES: readonly JobState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

/** parseJobRecord validates a stored record (pure); null when it is not a usable one. */
export function parseJobRecord(json: unknown): JobRecord | null {
  if (typeof json !== 'object' || json === null) return null;
  const r = json as Record<string, unknown>;
  if (typeof r['id'] !== 'string' || !JOB_ID_PATTERN.test(r['id'])) return null;
  if (!STATES.includes(r['state'] as JobState) || typeof r['createdAt'] !== 'string' || !Number.isInteger(r['attempts'])) return null;
  try {
    parseJobSpec(r['spec']);
  } catch {
    return null;
  }
  return json as JobRecord;
}

/**
 * JobStore keeps one JSON file per job in DATA_DIR/jobs (ID.json), each replaced atomically, so
 * a server restart (or a crash mid-write) finds every job as it last was.
 */
export class JobStore {
  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  /** load reads every stored job, oldest first; unreadable files are skipped with a warning. */
  async load(): Promise<JobRecord[]> {
    await mkdir(this.dir, { recursive: true });
    const out: JobRecord[] = [];
    for (const name of await readdir(this.dir)) {
      if (!/^[0-9a-f]{16}\.json$/.test(name)) continue;
      try {
        const rec = parseJobRecord(JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as unknown);
        if (rec && `${rec.id}.json` === name) out.push(rec);
        else this.log.warn('skipping an invalid job file', { file: name });
      } catch (err) {
        this.log.warn('skipping an unreadable job file', { file: name, err: errorMessage(err) });
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** save writes a job's record (temp file + rename). */
  async save(rec: JobRecord): Promise<void> {
    const file = path.join(this.dir, `${rec.id}.json`);
    const tmp = `${file}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n');
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** outDir is where a job writes its output: DATA_DIR/jobs/ID/. */
  outDir(id: string): string {
    if (!JOB_ID_PATTERN.test(id)) throw new RangeError(`invalid job id ${id}`);
    return path.join(this.dir, id);
  }
}

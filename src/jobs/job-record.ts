import type { JobSpec } from './job-spec.js';

/** JobState: queued -> running -> done | failed | cancelled (a server restart puts running back to queued). */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** JobProgress is how far a running job has come (frames for file jobs, seconds for restreams). */
export interface JobProgress {
  readonly done: number;
  readonly total: number | null;
  readonly unit: 'frames' | 'seconds';
  /** Units per second, recently. */
  readonly rate: number;
  readonly etaSeconds: number | null;
}

/** JobRecord is one job as stored in DATA_DIR/jobs/ID.json and answered by /api/jobs. */
export interface JobRecord {
  readonly id: string;
  readonly spec: JobSpec;
  readonly state: JobState;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** Runs started; more than one means it was resumed after a restart. */
  readonly attempts: number;
  readonly progress: JobProgress | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** What the job produced (paths relative to the data dir, counts). */
  readonly result: Readonly<Record<string, unknown>> | null;
}

/** JOB_ID_PATTERN: ids are 16 lower-case hex digits (64 random bits). */
export const JOB_ID_PATTERN = /^[0-9a-f]{16}$/;

/** isFinished says whether a job has reached a final state. */
export function isFinished(state: JobState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}

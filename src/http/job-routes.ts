import express, { Router, type Response } from 'express';
import { UprezError, errorMessage } from '../errors.js';
import { JOB_ID_PATTERN, isFinished, type JobRecord } from '../jobs/job-record.js';
import { parseJobSpec, type JobSpec } from '../jobs/job-spec.js';
import { redactUrl } from '../jobs/restream-job.js';
import { sendError } from './json-errors.js';

/** JobDirectory is what the jobs routes need from the job manager. */
export interface JobDirectory {
  create(spec: JobSpec): Promise<JobRecord>;
  list(): JobRecord[];
  get(id: string): JobRecord | undefined;
  cancel(id: string): Promise<JobRecord | undefined>;
}

/** jobView is a job as the API shows it: a push URL's stream key and query (credentials) are hidden. */
export function jobView(rec: JobRecord): JobRecord {
  if (rec.spec.type !== 'restream' || rec.spec.to === undefined) return rec;
  return { ...rec, spec: { ...rec.spec, to: redactUrl(rec.spec.to) } };
}

/** fail answers a coded error with the catalogue's status when it is one a client can act on; anything else is a 500. */
function fail(res: Response, err: unknown): void {
  // The catalogue gives a status to the codes a client can act on (400 invalid, 503 closing); the rest are 500s.
  if (err instanceof UprezError && err.status !== 500) sendError(res, err.status, err.code, err.message);
  else throw err;
}

/**
 * jobRoutes serves /jobs under /api (same bearer token): POST creates a file or restream job from a
 * validated JSON body (201 with the job), GET lists them (newest first), GET /jobs/ID shows state,
 * progress, errors and result, DELETE /jobs/ID cancels (its ffmpeg children are killed).
 */
export function jobRoutes(jobs: JobDirectory): Router {
  const router = Router();
  router.post('/jobs', express.json({ limit: '16kb', strict: true }), async (req, res) => {
    try {
      const rec = await jobs.create(parseJobSpec(req.body as unknown));
      res.status(201).location(`${req.baseUrl}/jobs/${rec.id}`).json(jobView(rec));
    } catch (err) {
      fail(res, err);
    }
  });
  router.get('/jobs', (_req, res) => {
    res.json({ jobs: jobs.list().map(jobView) });
  });
  router.get('/jobs/:id', (req, res) => {
    const rec = JOB_ID_PATTERN.test(req.params.id) ? jobs.get(req.params.id) : undefined;
    if (!rec) return sendError(res, 404, 'JOB_NOT_FOUND', 'no such job');
    res.json(jobView(rec));
  });
  router.delete('/jobs/:id', async (req, res) => {
    const id = req.params.id;
    const before = JOB_ID_PATTERN.test(id) ? jobs.get(id) : undefined;
    if (!before) return sendError(res, 404, 'JOB_NOT_FOUND', 'no such job');
    if (isFinished(before.state))
      return sendError(res, 409, 'JOB_FINISHED', `the job has already ${before.state === 'done' ? 'finished' : before.state}`);
    try {
      res.json(jobView((await jobs.cancel(id)) ?? before));
    } catch (err) {
      sendError(res, 500, 'JOB_CANCEL_FAILED', errorMessage(err));
    }
  });
  return router;
}

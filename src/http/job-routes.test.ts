import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import type { JobRecord } from '../jobs/job-record.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { jobRoutes, type JobDirectory } from './job-routes.js';

function record(id: string, spec: JobSpec, state: JobRecord['state'] = 'queued'): JobRecord {
  return {
    id,
    spec,
    state,
    createdAt: new Date(0).toISOString(),
    startedAt: null,
    endedAt: null,
    attempts: 0,
    progress: null,
    error: null,
    result: null,
  };
}

/** A JobDirectory double: creates records in memory, refuses one input as the executor would. */
class FakeJobs implements JobDirectory {
  readonly jobs = new Map<string, JobRecord>();
  private n = 0;
  async create(spec: JobSpec): Promise<JobRecord> {
    if (spec.input === 'outside.mp4') throw new UprezError('INPUT_INVALID', 'input outside.mp4 is outside the jobs input directory');
    const id = (++this.n).toString(16).padStart(16, '0');
    const rec = record(id, spec);
    this.jobs.set(id, rec);
    return rec;
  }
  list(): JobRecord[] {
    return [...this.jobs.values()];
  }
  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }
  async cancel(id: string): Promise<JobRecord | undefined> {
    const rec = this.jobs.get(id);
    if (rec) this.jobs.set(id, { ...rec, state: 'cancelled' });
    return this.jobs.get(id);
  }
}

const jobs = new FakeJobs();
let server: http.Server;
let base = '';
beforeAll(async () => {
  const app = express();
  app.use('/api', jobRoutes(jobs));
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

async function call(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; json: Record<string, unknown>; location: string | null }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, location: res.headers.get('location') };
}

describe('/api/jobs routes', () => {
  test('POST validates the body and answers 201 with the job and its Location', async () => {
    const r = await call('POST', '/jobs', JSON.stringify({ type: 'file', input: 'a.mp4' }));
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ state: 'queued', spec: { type: 'file', input: 'a.mp4', scale: 2 } });
    expect(r.location).toBe(`/api/jobs/${String(r.json['id'])}`);
  });
  test.each([
    ['{"type":"file"}', 400, 'JOB_INVALID'],
    ['{"type":"file","input":"outside.mp4"}', 400, 'INPUT_INVALID'],
    ['[1,2]', 400, 'JOB_INVALID'],
  ])('POST %s -> %i %s', async (body, status, code) => {
    const r = await call('POST', '/jobs', body);
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ error: { code } });
  });
  test('a push URL is shown without its stream key', async () => {
    const r = await call('POST', '/jobs', JSON.stringify({ type: 'restream', input: 'a.mp4', key: 'k', to: 'rtmp://h/app/SECRET' }));
    expect(JSON.stringify(r.json)).not.toContain('SECRET');
    expect((await call('GET', '/jobs')).json['jobs']).toEqual(
      expect.arrayContaining([expect.objectContaining({ spec: expect.objectContaining({ to: 'rtmp://h/app/***' }) })]),
    );
  });
  test('GET one, 404 for unknown or malformed ids; DELETE cancels, 409 once finished', async () => {
    const created = await call('POST', '/jobs', JSON.stringify({ type: 'file', input: 'b.mp4' }));
    const id = String(created.json['id']);
    expect((await call('GET', `/jobs/${id}`)).json['id']).toBe(id);
    expect((await call('GET', '/jobs/ffffffffffffffff')).status).toBe(404);
    expect((await call('GET', '/jobs/..%2F..%2Fetc')).status).toBe(404);
    const del = await call('DELETE', `/jobs/${id}`);
    expect(del).toMatchObject({ status: 200, json: { state: 'cancelled' } });
    expect((await call('DELETE', `/jobs/${id}`)).status).toBe(409);
    expect((await call('DELETE', '/jobs/nope')).status).toBe(404);
  });
});

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runRestreamCommand } from '../../src/cli/restream-command.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import type { JobRecord } from '../../src/jobs/job-record.js';
import { silentLogger } from '../../src/log/logger.js';
import { processesMentioning } from '../helpers/built-cli.js';
import { makeTestClip } from '../helpers/ffmpeg-fixtures.js';
import { childProcessesNamed, waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';

const TOKEN = 'test-token-0123456789';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let fixtures = '';
let clip3 = '';
let clip6 = '';
beforeAll(async () => {
  fixtures = mkdtempSync(path.join(os.tmpdir(), 'uprez-jobs-fixtures-'));
  clip3 = await makeTestClip({ dir: fixtures, width: 320, height: 180, fps: 25, seconds: 3, audio: true });
  clip6 = await makeTestClip({ dir: fixtures, width: 320, height: 180, fps: 25, seconds: 6, audio: true });
});
afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

interface Started {
  server: UprezServer;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
}

async function startServer(dataDir: string, extra: string[] = []): Promise<Started> {
  // uprez-x2-fast (the live model) keeps file jobs and model loading short on a small machine.
  const config = parseServeConfig(
    [
      '--host',
      '127.0.0.1',
      '--rtmp-port',
      '0',
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
      '--api-token',
      TOKEN,
      '--model',
      'uprez-x2-fast',
      ...extra,
    ],
    {},
  );
  const server = new UprezServer(config, { log: silentLogger });
  const { rtmpPort, httpPort } = await server.start();
  cleanups.push(() => server.close());
  return { server, rtmpPort, httpPort, dataDir };
}

function newDataDir(): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'uprez-jobs-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(path.join(dataDir, 'inputs'), { recursive: true });
  copyFileSync(clip3, path.join(dataDir, 'inputs', 'clip3.mp4'));
  copyFileSync(clip6, path.join(dataDir, 'inputs', 'clip6.mp4'));
  return dataDir;
}

async function api(
  s: Started,
  method: string,
  p: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`http://127.0.0.1:${s.httpPort}/api${p}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

async function waitJob(s: Started, id: string, cond: (j: JobRecord) => boolean, ms: number, what: string): Promise<JobRecord> {
  let job: JobRecord | undefined;
  await waitUntil(
    async () => {
      job = (await api(s, 'GET', `/jobs/${id}`)).json as JobRecord;
      return cond(job);
    },
    ms,
    what,
  );
  return job as JobRecord;
}

interface ApiStream {
  key: string;
  state: string;
  input: { width: number; height: number } | null;
}

async function streamKeys(s: Started): Promise<ApiStream[]> {
  return ((await api(s, 'GET', '/streams')).json as { streams: ApiStream[] }).streams;
}

function quietIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: process.env,
    out: () => out,
    err: () => err,
  };
}

describe('jobs API (real server, ffmpeg, HTTP)', () => {
  test('create, list, get, refuse bad bodies and paths outside the input directory, behind the API token', async () => {
    const s = await startServer(newDataDir());
    expect((await api(s, 'GET', '/jobs', undefined, null)).status).toBe(401);
    expect((await api(s, 'POST', '/jobs', { type: 'file', input: 'clip3.mp4' }, null)).status).toBe(401);
    const bad = await api(s, 'POST', '/jobs', { type: 'file', input: 'clip3.mp4', scale: 3 });
    expect(bad).toMatchObject({ status: 400, json: { error: { code: 'JOB_INVALID' } } });
    const outside = await api(s, 'POST', '/jobs', { type: 'file', input: '../../../etc/passwd' });
    expect(outside).toMatchObject({ status: 400, json: { error: { code: 'INPUT_INVALID' } } });
    expect((outside.json as { error: { message: string } }).error.message).toMatch(/outside the jobs input directory|no such file/);
    expect((await api(s, 'POST', '/jobs', { type: 'file', input: 'https://example.com/a.mp4' })).status).toBe(400);
    expect((await api(s, 'GET', '/jobs/0123456789abcdef')).status).toBe(404);

    const created = await api(s, 'POST', '/jobs', { type: 'file', input: 'clip3.mp4', model: 'uprez-x2-fast', mp4: true });
    expect(created.status).toBe(201);
    const job = created.json as JobRecord;
    expect(job).toMatchObject({
      state: expect.stringMatching(/queued|running/),
      spec: { type: 'file', input: 'clip3.mp4', scale: 2, model: 'uprez-x2-fast', mp4: true },
    });
    const list = (await api(s, 'GET', '/jobs')).json as { jobs: JobRecord[] };
    expect(list.jobs.map((j) => j.id)).toEqual([job.id]);
    const done = await waitJob(s, job.id, (j) => j.state === 'done' || j.state === 'failed', 90_000, 'the file job');
    expect(done.error).toBeNull();
    expect(done.state).toBe('done');
    expect(done.result).toMatchObject({
      frames: 75,
      segments: 2,
      output: { width: 640, height: 360 },
      master: `jobs/${job.id}/master.m3u8`,
      mp4: `jobs/${job.id}/upscaled.mp4`,
    });
    expect(done.progress).toMatchObject({ done: 75, unit: 'frames' });
    expect(readFileSync(path.join(s.dataDir, 'jobs', job.id, 'master.m3u8'), 'utf8')).toContain('RESOLUTION=640x360');
    // The record on disk follows the answer (writes are queued in order behind it).
    const recordFile = path.join(s.dataDir, 'jobs', `${job.id}.json`);
    await waitUntil(() => (JSON.parse(readFileSync(recordFile, 'utf8')) as JobRecord).state === 'done', 5_000, 'the stored record');
    expect(JSON.parse(readFileSync(recordFile, 'utf8'))).toMatchObject({ id: job.id, state: 'done', result: { frames: 75 } });
    expect((await api(s, 'DELETE', `/jobs/${job.id}`)).status).toBe(409);
    // The output is served read-only under /vod/ID/ (open, like /hls); the job's own files are not.
    expect(done.result).toMatchObject({ masterUrl: `/vod/${job.id}/master.m3u8`, mp4Url: `/vod/${job.id}/upscaled.mp4` });
    const vod = `http://127.0.0.1:${s.httpPort}/vod/${job.id}`;
    const master = await fetch(`${vod}/master.m3u8`);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('360p/index.m3u8');
    expect((await fetch(`${vod}/360p/index.m3u8`)).status).toBe(200);
    const mp4 = await fetch(`${vod}/upscaled.mp4`);
    expect([mp4.status, mp4.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    await mp4.arrayBuffer();
    for (const hidden of ['.uprez-job.json', '../' + job.id + '.json']) expect((await fetch(`${vod}/${hidden}`)).status).not.toBe(200);
  });

  test('DELETE cancels a running job and kills its ffmpeg', async () => {
    const s = await startServer(newDataDir());
    const job = (await api(s, 'POST', '/jobs', { type: 'restream', input: 'clip6.mp4', key: 'gone' })).json as JobRecord;
    await waitJob(s, job.id, (j) => j.state === 'running' && (j.progress?.done ?? 0) > 0.5, 30_000, 'the restream to run');
    const del = await api(s, 'DELETE', `/jobs/${job.id}`);
    expect(del).toMatchObject({ status: 200, json: { state: 'cancelled' } });
    // The publisher (the only process reading the input file) is gone once DELETE has answered.
    expect(processesMentioning(path.join(s.dataDir, 'inputs', 'clip6.mp4'))).toEqual([]);
    expect((await api(s, 'GET', `/jobs/${job.id}`)).json).toMatchObject({ state: 'cancelled', error: null });
    await s.server.close();
    expect(childProcessesNamed('ffmpeg')).toEqual([]);
  });

  test('jobs survive a server restart: a job running at shutdown is queued on disk and resumes on the next start', async () => {
    const dataDir = newDataDir();
    const s1 = await startServer(dataDir);
    const job = (await api(s1, 'POST', '/jobs', { type: 'file', input: 'clip6.mp4', model: 'uprez-x2-fast' })).json as JobRecord;
    const stateFile = path.join(dataDir, 'jobs', job.id, '.uprez-job.json');
    await waitUntil(
      () => existsSync(stateFile) && (JSON.parse(readFileSync(stateFile, 'utf8')) as { segmentsDone: number }).segmentsDone >= 1,
      60_000,
      'a finished segment',
    );
    await s1.server.close();
    const stored = JSON.parse(readFileSync(path.join(dataDir, 'jobs', `${job.id}.json`), 'utf8')) as JobRecord;
    expect(stored.state).toBe('queued');

    const s2 = await startServer(dataDir);
    const done = await waitJob(s2, job.id, (j) => j.state === 'done' || j.state === 'failed', 90_000, 'the resumed job');
    expect(done).toMatchObject({ state: 'done', attempts: 2, result: { frames: 150 } });
    expect((done.result as { resumedAtSegment: number }).resumedAtSegment).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(dataDir, 'jobs', job.id, '360p', 'seg_00002.ts'))).toBe(true);
  });
});

describe('uprez restream (real ingest, live pipeline)', () => {
  test('an archive restreamed under another key while a normal publish runs: both are live streams', async () => {
    const s = await startServer(newDataDir());
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/cam1`, seconds: 12, width: 320, height: 180, fps: 25 });
    cleanups.push(() => pub.kill());
    await waitUntil(async () => (await streamKeys(s)).some((x) => x.key === 'cam1' && x.state === 'live'), 30_000, 'cam1 live');
    const io = quietIo();
    const restream = runRestreamCommand([clip6, '--key', 'replay', '--rtmp-url', `rtmp://127.0.0.1:${s.rtmpPort}/live`], io);
    let both: ApiStream[] = [];
    await waitUntil(
      async () => {
        both = await streamKeys(s);
        return ['cam1', 'replay'].every((k) => both.some((x) => x.key === k && x.state === 'live'));
      },
      30_000,
      'both streams live',
    );
    expect(both.find((x) => x.key === 'replay')?.input).toMatchObject({ width: 320, height: 180 });
    expect(await restream, io.err()).toBe(0);
    expect(io.out()).toMatch(/restreamed \d+\.\d s as replay/);
    await waitUntil(async () => (await streamKeys(s)).some((x) => x.key === 'replay' && x.state === 'ended'), 30_000, 'replay ended');
    expect(readFileSync(path.join(s.dataDir, 'hls', 'replay', 'master.m3u8'), 'utf8')).toContain('RESOLUTION=640x360');
    expect(await pub.done).toBe(0);
  });

  test('a restream job with `to` pushes the upscaled top rung: it arrives as a stream of the output size', async () => {
    const s = await startServer(newDataDir(), ['--model', 'none']);
    const to = `rtmp://127.0.0.1:${s.rtmpPort}/live/pushed`;
    const created = await api(s, 'POST', '/jobs', { type: 'restream', input: 'clip6.mp4', key: 'source', to });
    expect(created.status).toBe(201);
    const job = created.json as JobRecord;
    expect((job.spec as { to: string }).to).toBe(`rtmp://127.0.0.1:${s.rtmpPort}/live/***`);
    let pushed: ApiStream | undefined;
    await waitUntil(
      async () => {
        pushed = (await streamKeys(s)).find((x) => x.key === 'pushed' && x.input !== null);
        return pushed !== undefined;
      },
      40_000,
      'the pushed stream',
    );
    expect(pushed?.input).toMatchObject({ width: 640, height: 360 });
    const done = await waitJob(s, job.id, (j) => j.state === 'done' || j.state === 'failed', 60_000, 'the restream job');
    expect(done.state).toBe('done');
  });

  test('a push destination that refuses does not take the ladder down', async () => {
    const s = await startServer(newDataDir(), ['--model', 'none']);
    const job = (
      await api(s, 'POST', '/jobs', { type: 'restream', input: 'clip3.mp4', key: 'lonely', to: 'rtmp://127.0.0.1:1/live/nobody' })
    ).json as JobRecord;
    const done = await waitJob(s, job.id, (j) => j.state === 'done' || j.state === 'failed', 60_000, 'the restream job');
    expect(done.state).toBe('done');
    await waitUntil(async () => (await streamKeys(s)).some((x) => x.key === 'lonely' && x.state === 'ended'), 30_000, 'the stream to end');
    const snap = (await api(s, 'GET', '/streams/lonely')).json as { restarts: number; frames: { out: number } };
    expect(snap.restarts).toBe(0);
    expect(snap.frames.out).toBeGreaterThanOrEqual(70);
    expect(readFileSync(path.join(s.dataDir, 'hls', 'lonely', '360p', 'index.m3u8'), 'utf8')).toContain('#EXT-X-ENDLIST');
  });
});

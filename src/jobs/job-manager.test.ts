import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { JobManager, type JobContext, type JobExecutors } from './job-manager.js';
import type { JobRecord } from './job-record.js';
import type { FileJobSpec, RestreamJobSpec } from './job-spec.js';
import { JobStore } from './job-store.js';

/** A fake executor whose runs the test finishes (or that wait for their abort). */
function fakeExecutors() {
  const runs: {
    spec: FileJobSpec | RestreamJobSpec;
    ctx: JobContext;
    finish: (r: Record<string, unknown>) => void;
    fail: (e: Error) => void;
  }[] = [];
  const run = (spec: FileJobSpec | RestreamJobSpec, ctx: JobContext) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      runs.push({ spec, ctx, finish: resolve, fail: reject });
      ctx.signal.addEventListener('abort', () => reject(new UprezError('JOB_CANCELLED', 'cancelled')));
    });
  const executors: JobExecutors = {
    file: {
      prepare: async (s) => {
        if (s.input === 'missing.mp4') throw new UprezError('INPUT_INVALID', 'input missing.mp4: no such file');
        return s;
      },
      run,
    },
    restream: { prepare: async (s) => s, run },
  };
  return { executors, runs };
}

const file = (input: string): FileJobSpec => ({ type: 'file', input, scale: 2, mp4: false, x4: 'auto' });
let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('JobManager', () => {
  test('runs one job at a time, oldest first, and records progress, result and failure', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-jobs-'));
    const { executors, runs } = fakeExecutors();
    const m = new JobManager({ store: new JobStore(dir, silentLogger), executors, log: silentLogger });
    await m.start();
    const a = await m.create(file('a.mp4'));
    const b = await m.create(file('b.mp4'));
    await until(() => runs.length === 1);
    expect(m.get(a.id)?.state).toBe('running');
    expect(m.get(b.id)?.state).toBe('queued');
    expect(runs[0]?.ctx.outDir).toBe(path.join(dir, a.id));
    runs[0]?.ctx.progress({ done: 5, total: 10, unit: 'frames', rate: 2, etaSeconds: 3 });
    expect(m.get(a.id)?.progress?.done).toBe(5);
    runs[0]?.finish({ frames: 10 });
    await until(() => runs.length === 2);
    expect(m.get(a.id)).toMatchObject({ state: 'done', result: { frames: 10 }, attempts: 1 });
    runs[1]?.fail(new UprezError('FILE_DECODE_FAILED', 'bad input'));
    await until(() => m.get(b.id)?.state === 'failed');
    expect(m.get(b.id)?.error).toEqual({ code: 'FILE_DECODE_FAILED', message: 'bad input' });
    expect(m.list().map((j) => j.id)).toEqual([b.id, a.id]);
    await m.close();
    const stored = JSON.parse(await readFile(path.join(dir, `${a.id}.json`), 'utf8')) as JobRecord;
    expect(stored.state).toBe('done');
  });

  test('an invalid job is refused before it is stored', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-jobs-'));
    const { executors } = fakeExecutors();
    const m = new JobManager({ store: new JobStore(dir, silentLogger), executors, log: silentLogger });
    await m.start();
    await expect(m.create(file('missing.mp4'))).rejects.toThrow(/no such file/);
    expect(m.list()).toEqual([]);
    await m.close();
  });

  test('cancel: a queued job at once, a running one through its abort signal', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-jobs-'));
    const { executors, runs } = fakeExecutors();
    const m = new JobManager({ store: new JobStore(dir, silentLogger), executors, log: silentLogger });
    await m.start();
    const a = await m.create(file('a.mp4'));
    const b = await m.create(file('b.mp4'));
    expect((await m.cancel(b.id))?.state).toBe('cancelled');
    await until(() => runs.length === 1);
    const c = await m.cancel(a.id);
    expect(c?.state).toBe('cancelled');
    expect(runs[0]?.ctx.signal.aborted).toBe(true);
    expect(runs).toHaveLength(1);
    expect((await m.cancel(a.id))?.state).toBe('cancelled');
    await m.close();
  });

  test('a restart loses no job: running and queued jobs run again, finished ones stay finished', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-jobs-'));
    const first = fakeExecutors();
    const m1 = new JobManager({ store: new JobStore(dir, silentLogger), executors: first.executors, log: silentLogger });
    await m1.start();
    const done = await m1.create(file('done.mp4'));
    await until(() => first.runs.length === 1);
    first.runs[0]?.finish({ ok: 1 });
    const running = await m1.create(file('running.mp4'));
    await until(() => first.runs.length === 2);
    expect(m1.get(running.id)?.state).toBe('running');
    const queued = await m1.create(file('later.mp4'));
    await m1.close();
    expect(m1.get(running.id)?.state).toBe('queued');

    const second = fakeExecutors();
    const m2 = new JobManager({ store: new JobStore(dir, silentLogger), executors: second.executors, log: silentLogger });
    await m2.start();
    expect(
      m2
        .list()
        .map((j) => j.id)
        .sort(),
    ).toEqual([done.id, running.id, queued.id].sort());
    expect(m2.get(done.id)?.state).toBe('done');
    await until(() => second.runs.length === 1);
    expect(m2.get(running.id)).toMatchObject({ state: 'running', attempts: 2 });
    second.runs[0]?.finish({});
    await until(() => second.runs.length === 2);
    expect((second.runs[1]?.spec as FileJobSpec).input).toBe('later.mp4');
    second.runs[1]?.finish({});
    await until(() => m2.get(queued.id)?.state === 'done');
    await m2.close();
  });
});

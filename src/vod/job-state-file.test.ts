import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { JOB_STATE_FILE, parseJobState, readJobState, sameJob, writeJobState, type FileJobState } from './job-state-file.js';

const state: FileJobState = {
  version: 1,
  input: '/in/a.mp4',
  inputSize: 10,
  inputMtimeMs: 5,
  scale: 2,
  upscaler: 'uprez-x2-fast x2',
  segmentSeconds: 2,
  width: 320,
  height: 180,
  fpsNum: 25,
  fpsDen: 1,
  hasAudio: true,
  segmentFrames: 50,
  rungs: ['360p', '180p'],
  segmentsDone: 1,
  totalFrames: null,
  finished: false,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('file job state file', () => {
  test('round-trips through an atomic write, leaving no temp file', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-state-'));
    expect(await readJobState(dir)).toBeNull();
    await writeJobState(dir, state);
    await writeJobState(dir, { ...state, segmentsDone: 2 });
    expect((await readJobState(dir))?.segmentsDone).toBe(2);
    expect(await readdir(dir)).toEqual([JOB_STATE_FILE]);
  });
  test('a damaged or foreign file is ignored (the job starts over)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uprez-state-'));
    await writeFile(path.join(dir, JOB_STATE_FILE), '{"version":1,');
    expect(await readJobState(dir)).toBeNull();
    expect(parseJobState({ ...state, rungs: ['../x'] })).toBeNull();
    expect(parseJobState({ ...state, segmentsDone: -1 })).toBeNull();
    expect(parseJobState({ ...state, version: 2 })).toBeNull();
    expect(parseJobState(state)).toEqual(state);
  });
  test('same job only with the same input, file identity, scale, upscaler and segment length', () => {
    const id = { input: '/in/a.mp4', inputSize: 10, inputMtimeMs: 5, scale: 2, upscaler: 'uprez-x2-fast x2', segmentSeconds: 2 };
    expect(sameJob(state, id)).toBe(true);
    expect(sameJob(state, { ...id, inputMtimeMs: 6 })).toBe(false);
    expect(sameJob(state, { ...id, scale: 4 })).toBe(false);
    expect(sameJob(state, { ...id, upscaler: 'bicubic' })).toBe(false);
    expect(sameJob(state, { ...id, segmentSeconds: 1 })).toBe(false);
  });
});

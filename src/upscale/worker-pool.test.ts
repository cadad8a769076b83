import { afterEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { RestartPolicy } from '../lifecycle/restart-policy.js';
import { InferencePool } from './worker-pool.js';

const FAKE = new URL('../../test/fixtures/fake-inference-worker.mjs', import.meta.url);

const pools: InferencePool[] = [];

function pool(size: number, modelPath = 'fake'): InferencePool {
  const p = new InferencePool({
    entry: FAKE,
    init: { modelPath, provider: 'cpu', intraOpThreads: 1, layout: 'y_uint8' },
    size,
    log: silentLogger,
    restarts: new RestartPolicy({ maxInWindow: Infinity, delayMs: () => 0 }),
  });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function rejection(p: Promise<unknown>): Promise<UprezError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UprezError);
    return err as UprezError;
  }
  throw new Error('expected a rejection');
}

/** untilRuns retries a run while the replacement worker is still starting. */
async function untilRuns(p: InferencePool): Promise<number> {
  for (let i = 0; i < 200; i++) {
    try {
      return (await p.run(new Uint8Array(4), 2, 2)).inferMs;
    } catch (err) {
      if ((err as UprezError).code !== 'MODEL_UNAVAILABLE') throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  throw new Error('worker was not replaced');
}

describe('InferencePool', () => {
  test('runs requests and transfers the result back', async () => {
    const p = pool(1);
    const ready = await p.start();
    expect(ready.provider).toBe('cpu');
    const y = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const r = await p.run(y, 3, 2);
    expect([r.width, r.height, r.y.byteLength]).toEqual([6, 4, 24]);
    expect(y).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6])); // the caller's plane is copied, not detached
  });

  test('dispatches to the least busy worker', async () => {
    const p = pool(2);
    await p.start();
    // Width 11 holds its reply, so the second request must go to the other worker.
    const [a, b] = await Promise.all([p.run(new Uint8Array(11), 11, 1), p.run(new Uint8Array(11), 11, 1)]);
    expect(a.inferMs).not.toBe(b.inferMs);
    expect(p.pending).toBe(0);
  });

  test('a run error rejects that request only, non-fatal', async () => {
    const p = pool(1);
    await p.start();
    const err = await rejection(p.run(new Uint8Array(9), 9, 1));
    expect([err.code, err.fatal]).toEqual(['MODEL_RUN_FAILED', false]);
    expect((await p.run(new Uint8Array(4), 2, 2)).width).toBe(4);
  });

  test.each([
    [13, 'exits'],
    [7, 'throws'],
  ])('a worker that dies (width %i: %s) rejects its in-flight requests and is replaced', async (width) => {
    const p = pool(1);
    await p.start();
    const held = rejection(p.run(new Uint8Array(11), 11, 1));
    const err = await rejection(p.run(new Uint8Array(width), width, 1));
    expect([err.code, err.fatal]).toEqual(['MODEL_WORKER_DIED', false]);
    expect((await held).code).toBe('MODEL_WORKER_DIED');
    const before = await untilRuns(p);
    expect(before).toBeGreaterThan(0);
    expect(p.liveWorkers).toBe(1);
  });

  test('a load failure rejects start() and leaves no worker', async () => {
    const p = pool(2, 'fail');
    const err = await rejection(p.start());
    expect(err.code).toBe('MODEL_LOAD_FAILED');
    expect(err.message).toContain('fake load failure');
    await new Promise((r) => setTimeout(r, 20));
    expect(p.liveWorkers).toBe(0);
  });

  test('close rejects in-flight work, ends every worker, and is idempotent', async () => {
    const p = pool(2);
    await p.start();
    expect(p.liveWorkers).toBe(2);
    const held = rejection(p.run(new Uint8Array(11), 11, 1));
    await Promise.all([p.close(), p.close()]);
    expect((await held).code).toBe('MODEL_CLOSED');
    expect(p.liveWorkers).toBe(0);
    expect((await rejection(p.run(new Uint8Array(4), 2, 2))).code).toBe('MODEL_CLOSED');
  });
});

import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { resizePlaneBicubic } from '../upscale/bicubic.js';
import { inlineJobRunner, workerJobRunner, type ImageJobRunner } from './image-job-runner.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import type { ImageJobRequest } from './upscale-image-file.js';

let dir = '';
const runners: ImageJobRunner[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-jobs-'));
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

/** countingBicubic is a bicubic "model" that counts its calls (they must all happen on this thread). */
function countingBicubic(): LumaUpscaler & { calls: number } {
  const l = {
    calls: 0,
    upscaleLuma: async (y: Uint8Array, w: number, h: number) => {
      l.calls++;
      return { y: resizePlaneBicubic(y, w, h, w * 2, h * 2), inferMs: 1 };
    },
  };
  return l;
}

const request = (input: string, out: string): ImageJobRequest => ({
  input,
  outPath: path.join(dir, out),
  format: 'png',
  quality: 90,
  scale: 2,
  workDir: dir,
  profile: 'keep',
  metadata: false,
  tile: { tile: 16, margin: 8 },
});

/** rgbaWebp is a lossless 40x24 WebP with a transparent stripe. */
async function rgbaWebp(file: string): Promise<void> {
  const px = Buffer.alloc(40 * 24 * 4);
  for (let i = 0; i < 40 * 24; i++) px.set([(i * 7) % 256, (i * 13) % 256, 200, i % 40 < 8 ? 0 : 255], i * 4);
  await sharp(px, { raw: { width: 40, height: 24, channels: 4 } })
    .webp({ lossless: true })
    .toFile(file);
}

describe('image job runners', () => {
  test('a worker thread writes the same bytes as inline (WebP with alpha in, PNG out), asking this thread for every tile', async () => {
    const input = path.join(dir, 'in.webp');
    await rgbaWebp(input);
    const lumaInline = countingBicubic();
    const inline = await inlineJobRunner().run(request(input, 'inline.png'), lumaInline);
    const worker = workerJobRunner(1);
    runners.push(worker);
    const lumaWorker = countingBicubic();
    const progress: number[] = [];
    const threaded = await worker.run(request(input, 'worker.png'), lumaWorker, (done) => progress.push(done));
    expect(threaded).toEqual(inline);
    expect(threaded).toMatchObject({ format: 'webp', width: 40, height: 24, outWidth: 80, outHeight: 48, tiles: 6, inferMs: 6 });
    expect([lumaInline.calls, lumaWorker.calls]).toEqual([6, 6]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await readFile(path.join(dir, 'worker.png'))).toEqual(await readFile(path.join(dir, 'inline.png')));
  }, 60_000);

  test('an error in a worker comes back as a coded UprezError, and the worker serves the next job', async () => {
    const runner = workerJobRunner(1);
    runners.push(runner);
    await writeFile(path.join(dir, 'bad.png'), Buffer.from('\x89PNG\r\n\x1a\ngarbage garbage', 'latin1'));
    const err = await runner.run(request(path.join(dir, 'bad.png'), 'bad-out.png'), countingBicubic()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UprezError);
    expect((err as UprezError).code).toBe('IMAGE_CORRUPT');
    await rgbaWebp(path.join(dir, 'ok.webp'));
    expect((await runner.run(request(path.join(dir, 'ok.webp'), 'ok.png'), countingBicubic())).outWidth).toBe(80);
  }, 60_000);

  test('a model error inside a worker job fails that job with the model error code', async () => {
    const runner = workerJobRunner(1);
    runners.push(runner);
    await rgbaWebp(path.join(dir, 'in.webp'));
    const failing: LumaUpscaler = { upscaleLuma: async () => Promise.reject(new UprezError('MODEL_RUN_FAILED', 'boom')) };
    await expect(runner.run(request(path.join(dir, 'in.webp'), 'x.png'), failing)).rejects.toMatchObject({
      code: 'MODEL_RUN_FAILED',
      message: 'boom',
    });
  }, 60_000);

  test('a worker that dies fails the job it held (not fatal) and is replaced for the next one', async () => {
    const entry = path.join(dir, 'dies-once.mjs');
    // Exits on the first job in a fresh process-wide marker file, answers the second.
    await writeFile(
      entry,
      `import { parentPort } from 'node:worker_threads';
       import { existsSync, writeFileSync } from 'node:fs';
       const mark = ${JSON.stringify(path.join(dir, 'died'))};
       parentPort.on('message', (m) => {
         if (!existsSync(mark)) { writeFileSync(mark, ''); process.exit(3); }
         parentPort.postMessage({ type: 'result', id: m.id, ok: false, error: { code: 'IMAGE_READ', message: 'double' } });
       });`,
    );
    const runner = workerJobRunner(1, pathToFileURL(entry));
    runners.push(runner);
    const first = await runner.run(request('x', 'x.png'), countingBicubic()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(first).toMatchObject({ code: 'IMAGE_WORKER_FAILED', fatal: false });
    expect((first as Error).message).toMatch(/exited with code 3/);
    const second = await runner.run(request('y', 'y.png'), countingBicubic()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(second).toMatchObject({ code: 'IMAGE_READ', message: 'double' });
    await runner.close();
    await expect(runner.run(request('z', 'z.png'), countingBicubic())).rejects.toMatchObject({ code: 'IMAGE_WORKER_FAILED' });
  }, 30_000);
});

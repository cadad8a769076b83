import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { resizePlaneBicubic } from '../upscale/bicubic.js';
import { decodeImageAsync } from './decode-image.js';
import { encodeImage } from './encode-image.js';
import { inlineJobRunner, workerJobRunner, type ImageJobRunner } from './image-job-runner.js';
import { createRgbImage } from './rgb-image.js';

let dir = '';
const runners: ImageJobRunner[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-jobs-'));
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

const pic = createRgbImage(9, 6, Uint8Array.from({ length: 9 * 6 * 3 }, (_, i) => (i * 29) % 256));

/** upscaleWith runs prepare, a bicubic "model" and finish, and returns the written file decoded. */
async function upscaleWith(runner: ImageJobRunner, input: string, out: string) {
  const p = await runner.prepare(input);
  const yUp = resizePlaneBicubic(p.y, p.width, p.height, p.width * 2, p.height * 2);
  const f = await runner.finish({ yUp, cb: p.cb, cr: p.cr, width: p.width, height: p.height, scale: 2, format: 'png', quality: 90, outPath: out });
  return { f, p, img: (await decodeImageAsync(await readFile(out))).image };
}

describe('image job runners', () => {
  test('a worker thread gives the same bytes as inline, for WebP in and PNG out', async () => {
    const input = path.join(dir, 'in.webp');
    await writeFile(input, await encodeImage(pic, 'webp'));
    const inline = await upscaleWith(inlineJobRunner(), input, path.join(dir, 'inline.png'));
    const worker = workerJobRunner(1);
    runners.push(worker);
    const threaded = await upscaleWith(worker, input, path.join(dir, 'worker.png'));
    expect(threaded.p.format).toBe('webp');
    expect(threaded.f).toEqual({ outWidth: 18, outHeight: 12, bytes: inline.f.bytes });
    expect(threaded.img).toEqual(inline.img);
  }, 60_000);

  test('an error in a worker comes back as a coded UprezError, and the worker serves the next job', async () => {
    const runner = workerJobRunner(1);
    runners.push(runner);
    await writeFile(path.join(dir, 'bad.png'), Buffer.from('\x89PNG\r\n\x1a\ngarbage garbage', 'latin1'));
    const err = await runner.prepare(path.join(dir, 'bad.png')).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UprezError);
    expect((err as UprezError).code).toBe('IMAGE_CORRUPT');
    await writeFile(path.join(dir, 'ok.png'), await encodeImage(pic, 'png'));
    expect((await runner.prepare(path.join(dir, 'ok.png'))).width).toBe(9);
  }, 60_000);

  test('a worker that dies fails the job it held (not fatal) and is replaced for the next one', async () => {
    const entry = path.join(dir, 'dies-once.mjs');
    // Exits on the first job in a fresh process-wide counter file, answers the second.
    await writeFile(
      entry,
      `import { parentPort } from 'node:worker_threads';
       import { existsSync, writeFileSync } from 'node:fs';
       const mark = ${JSON.stringify(path.join(dir, 'died'))};
       parentPort.on('message', (m) => {
         if (!existsSync(mark)) { writeFileSync(mark, ''); process.exit(3); }
         parentPort.postMessage({ id: m.id, ok: false, error: { code: 'IMAGE_READ', message: 'double' } });
       });`,
    );
    const runner = workerJobRunner(1, pathToFileURL(entry));
    runners.push(runner);
    const first = await runner.prepare('x').then(() => undefined, (e: unknown) => e);
    expect(first).toMatchObject({ code: 'IMAGE_WORKER_FAILED', fatal: false });
    expect((first as Error).message).toMatch(/exited with code 3/);
    const second = await runner.prepare('y').then(() => undefined, (e: unknown) => e);
    expect(second).toMatchObject({ code: 'IMAGE_READ', message: 'double' });
    await runner.close();
    await expect(runner.prepare('z')).rejects.toMatchObject({ code: 'IMAGE_WORKER_FAILED' });
  }, 30_000);
});

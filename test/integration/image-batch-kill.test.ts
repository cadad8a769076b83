import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { captureIo as captureWith, type CapturedIo } from '../helpers/capture-io.js';
import { runImageCommand } from '../../src/cli/image-command.js';
import { createRgbImage } from '../../src/image/rgb-image.js';
import { decodeRgb8, encodeRgb8 } from '../../src/image/rgb8-io.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The CLI runs from the TypeScript sources in a child process through the same module hooks the
// image worker threads use under vitest.
const hooks = pathToFileURL(path.join(repoRoot, 'src', 'image', 'ts-source-hooks.mjs')).href;
const registerHooks = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const captureIo = (): CapturedIo => captureWith(process.env);

/** visibleFiles lists the outputs a user would see (temp files are hidden, with a leading dot). */
async function visibleFiles(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).filter((n) => !n.startsWith('.')).sort() : [];
}

describe('uprez image killed in the middle of a batch', () => {
  test('leaves only whole output files, and a rerun finishes the rest and skips what was done', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-image-kill-'));
    dirs.push(dir);
    const src = path.join(dir, 'in');
    await mkdir(src);
    // Noisy pictures, so each PNG takes a while to encode and the kill can land inside a write.
    const noisy = createRgbImage(
      480,
      320,
      Uint8Array.from({ length: 480 * 320 * 3 }, (_, i) => (i * 2654435761) >>> 24),
    );
    const png = await encodeRgb8(noisy, 'png');
    const names = Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}.png`);
    for (const n of names) await writeFile(path.join(src, n), png);
    const out = path.join(dir, 'out');

    const child = spawn(
      process.execPath,
      [
        '--import',
        registerHooks,
        path.join(repoRoot, 'src', 'cli', 'main.ts'),
        'image',
        src,
        '--out',
        out,
        '--model',
        'bicubic',
        '--jobs',
        '2',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const t0 = Date.now();
    while ((await visibleFiles(out)).length === 0 && child.exitCode === null && Date.now() - t0 < 90_000)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const written = await visibleFiles(out);
    expect(written.length, stderr).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(names.length);
    for (const n of written) {
      const image = await decodeRgb8(await readFile(path.join(out, n)));
      expect([n, image.width, image.height]).toEqual([n, 960, 640]);
    }

    const io = captureIo();
    expect(await runImageCommand([src, '--out', out, '--model', 'bicubic', '--jobs', '1'], io)).toBe(0);
    expect(io.out()).toContain(`upscaled ${names.length - written.length}, skipped ${written.length} up to date, failed 0`);
    expect(await visibleFiles(out)).toEqual(names);
    // The killed run's working folder (uncompressed pictures) was swept by the rerun; no temp file is left.
    expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
    for (const n of names) expect((await decodeRgb8(await readFile(path.join(out, n)))).width).toBe(960);
  });
});

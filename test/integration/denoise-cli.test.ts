import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveFfmpegBinaries } from '../../src/ffmpeg/binaries.js';
import { fileJobExecutor } from '../../src/jobs/file-job.js';
import { createLogger } from '../../src/log/logger.js';

// `uprez image --denoise auto` and `uprez file --denoise auto` through the real CLI (a child process
// running the TypeScript sources) with the shipped models: what each input is measured at and
// which model runs it.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hooks = pathToFileURL(path.join(repoRoot, 'src', 'image', 'ts-source-hooks.mjs')).href;
const registerHooks = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;
const run = promisify(execFile);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** uprez runs the CLI to its end (bounded) and returns its exit code and output. */
function uprez(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', registerHooks, path.join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** photo-like content (smooth gradients and edges), so JPEG artefacts are what they are on pictures. */
function picture(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const ring = Math.sin(Math.hypot(x - w / 2, y - h / 2) / 3) * 60;
      b[i] = 120 + ring;
      b[i + 1] = (x * 255) / w;
      b[i + 2] = x > w / 2 ? 200 : 40;
    }
  }
  return b;
}

describe('uprez image --denoise auto', () => {
  test('a JPEG at quality 30 runs the level-3 family member (uprez-x2 has none, said on its line); a PNG keeps the default model (level 0)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-denoise-image-'));
    dirs.push(dir);
    const src = path.join(dir, 'in');
    await mkdir(src);
    const img = () => sharp(picture(64, 48), { raw: { width: 64, height: 48, channels: 3 } });
    await writeFile(path.join(src, 'low.jpg'), await img().jpeg({ quality: 30 }).toBuffer());
    await writeFile(path.join(src, 'clean.png'), await img().png().toBuffer());
    const r = await uprez(['image', src, '--out', path.join(dir, 'out'), '--denoise', 'auto', '--json', '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input?: string; notes?: string[]; summary?: boolean; ok?: number });
    const note = (name: string): string => (lines.find((l) => l.input?.endsWith(name))?.notes ?? []).join('; ');
    expect(note('low.jpg')).toMatch(
      /^denoise 3 \(JPEG quality ~30\) with uprez-x2-fast-d3: denoise level 3: uprez-x2 has no denoise-level-3 member; using uprez-x2-fast-d3/,
    );
    expect(note('clean.png')).toMatch(/^denoise 0 \(lossless PNG\) with uprez-x2$/);
    expect(lines.find((l) => l.summary)?.ok).toBe(2);
    // auto is the default: the same JPEG without --denoise takes the same member; the PNG gets no note.
    const d = await uprez(['image', src, '--out', path.join(dir, 'out-default'), '--json', '--jobs', '1']);
    expect(d.code, d.stderr).toBe(0);
    const dl = d.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input?: string; notes?: string[] });
    expect((dl.find((l) => l.input?.endsWith('low.jpg'))?.notes ?? []).join('; ')).toBe(note('low.jpg'));
    expect(dl.find((l) => l.input?.endsWith('clean.png'))?.notes).toEqual([]);
  }, 180_000);

  test('an explicit level no x4 model serves is refused with DENOISE_UNAVAILABLE', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-denoise-x4-'));
    dirs.push(dir);
    await writeFile(
      path.join(dir, 'a.png'),
      await sharp(picture(16, 16), { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const r = await uprez(['image', path.join(dir, 'a.png'), '--out', path.join(dir, 'out'), '--scale', '4', '--denoise', '2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/DENOISE_UNAVAILABLE|no x4 model is trained for compressed input/);
  }, 60_000);
});

describe('uprez file --denoise auto', () => {
  test('a starved H.264 clip is measured at level 3 and runs the fast family member', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-denoise-file-'));
    dirs.push(dir);
    const clip = path.join(dir, 'low.mp4');
    // CRF 51 without x264's option SEI (which alone would be a good part of so small a stream): about 0.017 bits per pixel.
    const encode = ['-c:v', 'libx264', '-crf', '51', '-bsf:v', 'filter_units=remove_types=6', '-pix_fmt', 'yuv420p'];
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-t', '1', ...encode, clip]);
    const r = await uprez(['file', clip, '--out', path.join(dir, 'out'), '--denoise', 'auto', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const chosen = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"denoise"'))
      .map((l) => JSON.parse(l) as { denoise: { level: number; model: string | null; reason: string } });
    expect(chosen).toHaveLength(1);
    expect(chosen[0]?.denoise.level).toBe(3);
    expect(chosen[0]?.denoise.reason).toMatch(/^H\.264 320x180 at \d+ kb\/s/);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { upscaler?: string };
    expect(result.upscaler).toBe('uprez-x2-fast-d3 x2');
  }, 180_000);
});

describe('a file job with "denoise": "auto" (the /api/jobs executor)', () => {
  test('measures the starved clip at level 3, logs the choice and runs the member', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'uprez-denoise-job-'));
    dirs.push(dir);
    const inputDir = path.join(dir, 'in');
    await mkdir(inputDir);
    const encode = ['-c:v', 'libx264', '-crf', '51', '-bsf:v', 'filter_units=remove_types=6', '-pix_fmt', 'yuv420p'];
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x180:rate=30',
      '-t',
      '1',
      ...encode,
      path.join(inputDir, 'low.mp4'),
    ]);
    const lines: string[] = [];
    const exec = fileJobExecutor({ binaries: resolveFfmpegBinaries(process.env), inputDir, dataDir: dir, provider: 'cpu' });
    const spec = await exec.prepare({ type: 'file', input: 'low.mp4', scale: 2, mp4: false, x4: 'auto', denoise: 'auto' });
    const outDir = path.join(dir, 'job1');
    await mkdir(outDir);
    const log = createLogger({ level: 'info', sink: (l) => lines.push(l) });
    const result = await exec.run(spec, { signal: new AbortController().signal, outDir, log, progress: () => {} });
    expect(lines.join('\n')).toMatch(/denoise auto: level 3 \(H\.264 320x180/);
    expect(result['upscaler']).toBe('uprez-x2-fast-d3 x2');
  }, 180_000);
});

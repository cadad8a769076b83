import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeFileDenoise, planFileDenoise } from './file-denoise-plan.js';

const dir = mkdtempSync(path.join(tmpdir(), 'uprez-file-denoise-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const [name, card] of [
  ['q', { scale: 2, default: true }],
  ['f', { scale: 2, liveDefault: true, denoiseLevel: 0, family: 'f' }],
  ['f-d1', { scale: 2, denoiseLevel: 1, family: 'f' }],
] as const) {
  writeFileSync(path.join(dir, `${name}.onnx`), 'onnx');
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ name, ...card }));
}

describe('planFileDenoise (explicit levels: no probe)', () => {
  test('level 1 at x2 runs the member; the line says level and substitution', async () => {
    const p = await planFileDenoise({
      denoise: 1,
      ffprobe: '/nonexistent/ffprobe',
      input: 'x.mp4',
      model: undefined,
      scale: 2,
      x4: 'auto',
      modelsDir: dir,
    });
    expect(p).toMatchObject({ requested: 1, level: 1, servedLevel: 1, model: path.join(dir, 'f-d1.onnx'), x4: 'auto', reason: null });
    expect(describeFileDenoise(p)).toMatch(/^denoise level 1; denoise level 1: q has no denoise-level-1 member; using f-d1/);
  });

  test('level 0 keeps --model and --x4 as given', async () => {
    const p = await planFileDenoise({
      denoise: 0,
      ffprobe: '/nonexistent/ffprobe',
      input: 'x.mp4',
      model: 'q',
      scale: 4,
      x4: 'model',
      modelsDir: dir,
    });
    expect(p).toMatchObject({ level: 0, model: 'q', x4: 'model', note: null });
  });

  test('auto probes the input: a failing ffprobe is a coded error', async () => {
    await expect(
      planFileDenoise({
        denoise: 'auto',
        ffprobe: '/nonexistent/ffprobe',
        input: 'x.mp4',
        model: undefined,
        scale: 2,
        x4: 'auto',
        modelsDir: dir,
      }),
    ).rejects.toMatchObject({ code: 'PROBE_FAILED' });
  });
});

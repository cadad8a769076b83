import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import { bicubicLumaUpscaler } from '../upscale/bicubic-luma-upscaler.js';
import { inlineJobRunner } from '../image/image-job-runner.js';
import type { OpenedLumaModel } from '../upscale/open-model.js';
import { createLogger } from '../log/logger.js';
import { ImageBatches, type BatchView } from './image-batches.js';
import { UploadStore } from './upload-store.js';

// The /upscale page's batches take "denoise" like `uprez image`: absent = auto per picture. The
// models are stand-ins (bicubic under the asked name) in a models folder of cards, so the test
// sees which model each picture was given.
const root = mkdtempSync(path.join(tmpdir(), 'uprez-batch-denoise-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modelsDir = path.join(root, 'models');
mkdirSync(modelsDir, { recursive: true });
for (const [name, card] of [
  ['q', { scale: 2, default: true }],
  ['f', { scale: 2, liveDefault: true, denoiseLevel: 0, family: 'f' }],
  ['f-d2', { scale: 2, denoiseLevel: 2, family: 'f' }],
] as const) {
  writeFileSync(path.join(modelsDir, `${name}.onnx`), 'onnx');
  writeFileSync(path.join(modelsDir, `${name}.json`), JSON.stringify({ name, ...card }));
}

async function setup(): Promise<{ batches: ImageBatches; uploads: UploadStore; opened: (string | undefined)[] }> {
  const uploads = new UploadStore(path.join(root, `uploads-${Math.random().toString(36).slice(2)}`));
  await uploads.init();
  const opened: (string | undefined)[] = [];
  const openModel = async (model: string | undefined): Promise<OpenedLumaModel> => {
    opened.push(model);
    const name = model === undefined ? 'q' : path.basename(model).replace(/\.onnx$/, '');
    return { name, provider: 'js', scale: 2, upscaler: bicubicLumaUpscaler(2), close: async () => {} };
  };
  const batches = new ImageBatches({
    root: path.join(root, `batches-${Math.random().toString(36).slice(2)}`),
    uploads,
    openModel,
    runner: () => inlineJobRunner(),
    log: createLogger({ level: 'error' }),
    modelsDir,
  });
  await batches.init();
  return { batches, uploads, opened };
}

async function finished(batches: ImageBatches, id: string): Promise<BatchView> {
  for (let i = 0; i < 400; i++) {
    const b = batches.get(id);
    if (b && b.state !== 'queued' && b.state !== 'running') return b;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the batch did not finish in 10 s');
}

const picture = () => sharp(Buffer.alloc(32 * 24 * 3, 100), { raw: { width: 32, height: 24, channels: 3 } });

describe('image batches and denoise', () => {
  test('auto (absent): a JPEG at quality 60 runs the family member with a note, a PNG the model asked for, silently', async () => {
    const { batches, uploads, opened } = await setup();
    const jpg = await uploads.receive(Readable.from(await picture().jpeg({ quality: 60 }).toBuffer()), undefined, 'a.jpg');
    const png = await uploads.receive(Readable.from(await picture().png().toBuffer()), undefined, 'b.png');
    const b = await finished(
      batches,
      (
        await batches.create({
          uploads: [jpg.id, png.id],
          model: undefined,
          scale: 2,
          format: undefined,
          quality: 90,
          profile: 'keep',
          metadata: false,
        })
      ).id,
    );
    expect(b.state, b.error ?? '').toBe('done');
    expect(b.files.find((f) => f.upload === jpg.id)?.output?.notes.join('; ')).toMatch(
      /^denoise 2 \(JPEG quality ~60\) with f-d2: denoise level 2: q has no denoise-level-2 member/,
    );
    expect(b.files.find((f) => f.upload === png.id)?.output?.notes).toEqual([]);
    expect(opened).toEqual([undefined, path.join(modelsDir, 'f-d2.onnx')]);
    await batches.close();
  });

  test('an explicit level opens only its model; 0 is the model asked for', async () => {
    const { batches, uploads, opened } = await setup();
    const jpg = await uploads.receive(Readable.from(await picture().jpeg({ quality: 60 }).toBuffer()), undefined, 'a.jpg');
    const req = {
      uploads: [jpg.id],
      model: undefined,
      scale: 2 as const,
      format: undefined,
      quality: 90,
      profile: 'keep' as const,
      metadata: false,
    };
    expect((await finished(batches, (await batches.create({ ...req, denoise: 2 })).id)).model).toBe('f-d2');
    expect((await finished(batches, (await batches.create({ ...req, denoise: 0 })).id)).model).toBe('q');
    expect(opened).toEqual([path.join(modelsDir, 'f-d2.onnx'), undefined]);
    await batches.close();
  });
});

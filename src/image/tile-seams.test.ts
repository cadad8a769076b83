import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { readPixels } from '../../test/helpers/image-files.js';
import { openLumaModel } from '../upscale/open-model.js';
import { upscaleImageFile, type ImageJobRequest } from './upscale-image-file.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-seams-'));
  // Texture everywhere (edges, gradients, noise), so any seam would change pixels.
  const w = 75;
  const h = 53;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    px.set([(x * 9 + ((i * 2654435761) >>> 28)) & 255, (y * 5 + (x > 40 ? 120 : 0)) & 255, ((x ^ y) * 7) & 255], i * 3);
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(path.join(dir, 'in.png'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const req = (out: string, scale: number, tile: { tile: number; margin: number }): ImageJobRequest => ({
  input: path.join(dir, 'in.png'),
  outPath: path.join(dir, out),
  format: 'png',
  quality: 90,
  scale,
  workDir: dir,
  profile: 'keep',
  metadata: false,
  tile,
  tilesInFlight: 3,
});

describe('tiles with context give the same pixels as one whole-picture run (the shipped models)', () => {
  test.each([
    ['uprez-x2', 2],
    ['uprez-x2-live', 2],
    ['uprez-x4', 4],
  ])(
    '%s',
    async (name, scale) => {
      const model = await openLumaModel({ model: name, scale, provider: 'cpu', log: silentLogger });
      try {
        const whole = await upscaleImageFile(req(`${name}-whole.png`, scale, { tile: 1024, margin: 0 }), model.upscaler);
        const tiled = await upscaleImageFile(req(`${name}-tiled.png`, scale, { tile: 16, margin: 16 }), model.upscaler);
        expect([whole.tiles, tiled.tiles]).toEqual([1, 20]);
        const a = await readPixels(path.join(dir, `${name}-whole.png`));
        const b = await readPixels(path.join(dir, `${name}-tiled.png`));
        expect([b.width, b.height]).toEqual([75 * scale, 53 * scale]);
        expect(Buffer.from(b.data as Uint8Array).equals(Buffer.from(a.data as Uint8Array))).toBe(true);
        // Without context the seams show: the same check fails.
        const bare = await upscaleImageFile(req(`${name}-bare.png`, scale, { tile: 16, margin: 0 }), model.upscaler);
        expect(bare.tiles).toBe(20);
        const c = await readPixels(path.join(dir, `${name}-bare.png`));
        expect(Buffer.from(c.data as Uint8Array).equals(Buffer.from(a.data as Uint8Array))).toBe(false);
      } finally {
        await model.close();
      }
    },
    60_000,
  );
});

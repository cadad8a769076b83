import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { denoiseLevelOfHead, denoiseLevelOfImage, levelForJpegQuality, webpIsLossless } from './image-denoise-level.js';

const raw = () => sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } });
const dir = mkdtempSync(path.join(tmpdir(), 'uprez-denoise-level-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('levelForJpegQuality', () => {
  it.each([
    [100, 0],
    [94, 0],
    [93, 1],
    [87, 1],
    [86, 2],
    [43, 2],
    [42, 3],
    [1, 3],
  ] as const)('quality %i -> level %i', (q, level) => {
    expect(levelForJpegQuality(q)).toBe(level);
  });
});

describe('denoiseLevelOfHead / denoiseLevelOfImage', () => {
  it.each([
    [95, 0],
    [90, 1],
    [60, 2],
    [30, 3],
  ] as const)('a JPEG at quality %i is level %i', async (q, level) => {
    const file = path.join(dir, `q${q}.jpg`);
    writeFileSync(file, await raw().jpeg({ quality: q }).toBuffer());
    const got = await denoiseLevelOfImage(file);
    expect(got.level).toBe(level);
    expect(got.reason).toBe(`JPEG quality ~${q}`);
  });

  it('lossless formats are level 0', async () => {
    for (const buf of [await raw().png().toBuffer(), await raw().tiff().toBuffer(), await raw().webp({ lossless: true }).toBuffer()]) {
      const got = denoiseLevelOfHead(buf);
      expect(got.level).toBe(0);
      expect(got.reason).toMatch(/^lossless /);
    }
  });

  it('lossy WebP is level 0 with a note that it was not measured', async () => {
    const buf = await raw().webp({ quality: 20 }).toBuffer();
    expect(webpIsLossless(buf)).toBe(false);
    expect(denoiseLevelOfHead(buf).reason).toMatch(/not measured/);
  });
});

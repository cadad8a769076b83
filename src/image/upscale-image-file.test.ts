import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bicubicLuma, iccText, readPixels } from '../../test/helpers/image-files.js';
import { upscaleImageFile, type ImageJobRequest } from './upscale-image-file.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-upfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const req = (input: string, out: string, more: Partial<ImageJobRequest> = {}): ImageJobRequest => ({
  input: path.join(dir, input),
  outPath: path.join(dir, out),
  format: 'png',
  quality: 95,
  scale: 2,
  workDir: dir,
  profile: 'keep',
  metadata: false,
  // Small tiles, so every fixture is cut into several and the seams are tested too.
  tile: { tile: 16, margin: 8 },
  ...more,
});

/** A red disc on transparency whose hidden colour is pure green: a straight resampler would fringe the disc green. */
async function transparentPng(file: string): Promise<void> {
  const w = 48;
  const h = 40;
  const px = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = (x - 24) ** 2 + (y - 20) ** 2 <= 12 ** 2;
      px.set(inside ? [255, 0, 0, 255] : [0, 255, 0, 0], (y * w + x) * 4);
    }
  }
  await sharp(px, { raw: { width: w, height: h, channels: 4 } })
    .png()
    .toFile(file);
}

/** Four flat quadrants (sRGB red, green / blue, white), stored `w` x `h` with an EXIF orientation. */
async function quadrants(w: number, h: number): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
      px.set(
        [
          [255, 0, 0],
          [0, 255, 0],
          [0, 0, 255],
          [255, 255, 255],
        ][q] as number[],
        (y * w + x) * 3,
      );
    }
  }
  return px;
}

describe('upscaleImageFile: the files creators bring', () => {
  test('a transparent PNG stays transparent, with a clean edge (no colour from under the transparency)', async () => {
    await transparentPng(path.join(dir, 'logo.png'));
    const r = await upscaleImageFile(req('logo.png', 'logo-x2.png'), bicubicLuma());
    expect(r).toMatchObject({ format: 'png', width: 48, height: 40, outWidth: 96, outHeight: 80, tiles: 9, notes: [] });
    const out = await readPixels(path.join(dir, 'logo-x2.png'));
    expect([out.width, out.height, out.channels, out.meta.hasAlpha]).toEqual([96, 80, 4, true]);
    expect(out.at(0, 0, 3)).toBe(0);
    expect(out.at(95, 79, 3)).toBe(0);
    expect([0, 1, 2, 3].map((c) => out.at(48, 40, c))).toEqual([255, 0, 0, 255]);
    let edge = 0;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        const a = out.at(x, y, 3);
        if (a < 16) continue;
        if (a < 240) edge++;
        // Visible pixels are red: a fringe would show the hidden green, or a dark rim.
        expect([x, y, out.at(x, y, 1) <= 2, out.at(x, y, 0) >= 250]).toEqual([x, y, true, true]);
      }
    }
    expect(edge).toBeGreaterThan(50);
  });

  test('a JPEG with a Display P3 profile, stored on its side (EXIF 6), comes out upright with its profile and values', async () => {
    const stored = await quadrants(60, 40);
    const input = path.join(dir, 'phone.jpg');
    await sharp(stored, { raw: { width: 60, height: 40, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .withIccProfile('p3')
      .jpeg({ quality: 95 })
      .toFile(input);
    const inMeta = await sharp(input).metadata();
    expect([inMeta.orientation, iccText(inMeta.icc)]).toEqual([6, expect.stringContaining('sP3C')]);
    const r = await upscaleImageFile(req('phone.jpg', 'phone.jpg', { format: 'jpeg', outPath: path.join(dir, 'out.jpg') }), bicubicLuma());
    expect(r).toMatchObject({ width: 40, height: 60, outWidth: 80, outHeight: 120, notes: ['turned upright (EXIF orientation 6)'] });
    const out = await readPixels(path.join(dir, 'out.jpg'));
    expect([out.width, out.height, out.meta.orientation ?? 1]).toEqual([80, 120, 1]);
    expect(out.meta.icc).toEqual(inMeta.icc);
    // Upright, the stored bottom-left (blue) is top-left, stored top-left (red) is top-right.
    const ref = await readPixels(await sharp(input).autoOrient().keepIccProfile().png().toBuffer());
    const centres = [
      [10, 15],
      [30, 15],
      [10, 45],
      [30, 45],
    ] as const;
    for (const [x, y] of centres) {
      for (let c = 0; c < 3; c++) expect(Math.abs(out.at(2 * x, 2 * y, c) - ref.at(x, y, c)), `${x},${y},${c}`).toBeLessThanOrEqual(4);
    }
    // P3 values, not sRGB ones: sRGB red is not (255, 0, 0) in Display P3.
    expect(ref.at(30, 15, 1)).toBeGreaterThan(20);
    expect([ref.at(10, 15, 2), ref.at(30, 15, 0)]).toEqual([expect.any(Number), expect.any(Number)]);
    expect(ref.at(10, 15, 2)).toBeGreaterThan(200);

    // --profile srgb: sRGB values and an sRGB profile; --metadata: EXIF kept, orientation 1.
    await upscaleImageFile(req('phone.jpg', 'srgb.jpg', { format: 'jpeg', profile: 'srgb', metadata: true }), bicubicLuma());
    const srgb = await readPixels(path.join(dir, 'srgb.jpg'));
    expect(iccText(srgb.meta.icc)).toContain('sRGB');
    expect(srgb.meta.orientation).toBe(1);
    expect(srgb.meta.exif).toBeDefined();
    for (const [[x, y], rgb] of [
      [
        [10, 15],
        [0, 0, 255],
      ],
      [
        [30, 15],
        [255, 0, 0],
      ],
      [
        [10, 45],
        [255, 255, 255],
      ],
      [
        [30, 45],
        [0, 255, 0],
      ],
    ] as const) {
      for (let c = 0; c < 3; c++) expect(Math.abs(srgb.at(2 * x, 2 * y, c) - (rgb[c] as number)), `${x},${y},${c}`).toBeLessThanOrEqual(8);
    }
  });

  test("a 16-bit TIFF stays 16-bit (the detail below the model's 8 bits is carried), and JPEG says it got 8", async () => {
    const w = 64;
    const h = 24;
    const px = new Uint16Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([x * 1000 + 7, 30000 + y * 3, 65535 - x * 997], (y * w + x) * 3);
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .toColourspace('rgb16')
      .tiff({ compression: 'deflate' })
      .toFile(path.join(dir, 'scan.tif'));
    const r = await upscaleImageFile(req('scan.tif', 'scan.tif', { format: 'tiff', outPath: path.join(dir, 'out.tif') }), bicubicLuma());
    expect(r).toMatchObject({ format: 'tiff', outWidth: 128, outHeight: 48, notes: [] });
    const out = await readPixels(path.join(dir, 'out.tif'));
    expect([out.meta.depth, out.width, out.height]).toEqual(['ushort', 128, 48]);
    // Away from the edges, bicubic of a linear ramp is the ramp: within a few 16-bit levels, far below one 8-bit step (257).
    for (const x of [20, 41, 64, 99]) {
      const srcX = (x + 0.5) / 2 - 0.5;
      expect(Math.abs(out.at(x, 20, 0) - (srcX * 1000 + 7))).toBeLessThan(40);
      expect(Math.abs(out.at(x, 20, 2) - (65535 - srcX * 997))).toBeLessThan(40);
    }
    const greens = new Set(Array.from({ length: 40 }, (_, y) => out.at(64, y + 4, 1)));
    expect([...greens].some((g) => g % 257 !== 0)).toBe(true);
    const jpeg = await upscaleImageFile(req('scan.tif', 'scan.jpg', { format: 'jpeg' }), bicubicLuma());
    expect(jpeg.notes).toEqual(['16-bit reduced to 8 bits for JPEG']);
    expect((await sharp(path.join(dir, 'scan.jpg')).metadata()).depth).toBe('uchar');
  });

  test('an AVIF with transparency comes out as AVIF with its colours and its alpha', async () => {
    const px = Buffer.alloc(40 * 32 * 4);
    for (let i = 0; i < 40 * 32; i++) px.set(i % 40 < 20 ? [200, 40, 40, 255] : [40, 40, 200, 0], i * 4);
    await sharp(px, { raw: { width: 40, height: 32, channels: 4 } })
      .avif({ quality: 90 })
      .toFile(path.join(dir, 'pic.avif'));
    const r = await upscaleImageFile(req('pic.avif', 'out.avif', { format: 'avif' }), bicubicLuma());
    expect(r).toMatchObject({ format: 'avif', outWidth: 80, outHeight: 64 });
    const out = await readPixels(path.join(dir, 'out.avif'));
    expect([out.meta.format, out.meta.compression, out.width, out.height, out.meta.hasAlpha]).toEqual(['heif', 'av1', 80, 64, true]);
    for (let c = 0; c < 3; c++) expect(Math.abs(out.at(10, 30, c) - [200, 40, 40][c]!)).toBeLessThanOrEqual(12);
    expect(out.at(10, 30, 3)).toBeGreaterThan(240);
    expect(out.at(70, 30, 3)).toBeLessThan(10);
  });

  test('a GIF gives its first frame (and says so); the working files are gone afterwards', async () => {
    const frames = Buffer.alloc(16 * 24 * 4);
    for (let i = 0; i < 16 * 24; i++) frames.set(i < 16 * 12 ? [250, 250, 0, 255] : [0, 0, 250, 255], i * 4);
    await sharp(frames, { raw: { width: 16, height: 24, channels: 4, pageHeight: 12 } })
      .gif()
      .toFile(path.join(dir, 'anim.gif'));
    const r = await upscaleImageFile(req('anim.gif', 'anim.png'), bicubicLuma());
    expect(r).toMatchObject({ format: 'gif', width: 16, height: 12, outWidth: 32, outHeight: 24, notes: ['first of 2 frames'] });
    const out = await readPixels(path.join(dir, 'anim.png'));
    expect([out.at(16, 12, 0), out.at(16, 12, 2)]).toEqual([expect.any(Number), expect.any(Number)]);
    expect(out.at(16, 12, 0)).toBeGreaterThan(240);
    expect(out.at(16, 12, 2)).toBeLessThan(20);
    expect((await readdir(dir)).sort()).toEqual(['anim.gif', 'anim.png']);
  });

  test('a corrupt or unknown file is a coded error and leaves nothing behind', async () => {
    await transparentPng(path.join(dir, 'ok.png'));
    const good = await sharp(path.join(dir, 'ok.png')).toBuffer();
    await writeFile(path.join(dir, 'cut.png'), good.subarray(0, good.length - 40));
    await writeFile(path.join(dir, 'x.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await expect(upscaleImageFile(req('cut.png', 'cut-x2.png'), bicubicLuma())).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    await expect(upscaleImageFile(req('x.svg', 'x.png'), bicubicLuma())).rejects.toMatchObject({ code: 'IMAGE_UNSUPPORTED' });
    await expect(upscaleImageFile(req('ok.png', 'big.webp', { format: 'webp', scale: 400 }), bicubicLuma(400))).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
    expect((await readdir(dir)).sort()).toEqual(['cut.png', 'ok.png', 'x.svg']);
  });
});

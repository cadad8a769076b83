import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { estimateJpegQuality, ijgQuantTable, jpegQualityOf, readJpegQuantTables } from './jpeg-quality.js';

/** noise makes a picture whose JPEG is not trivially small (the tables do not depend on content). */
function noisy(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  let s = 12345;
  for (let i = 0; i < b.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b[i] = (s >>> 16) & 255;
  }
  return b;
}

async function jpegAt(quality: number, extra: sharp.JpegOptions = {}): Promise<Buffer> {
  return sharp(noisy(32, 24), { raw: { width: 32, height: 24, channels: 3 } })
    .jpeg({ quality, mozjpeg: false, ...extra })
    .toBuffer();
}

describe('ijgQuantTable', () => {
  it('is the standard table at 50, all ones at 100, clamped to 255 at 1', () => {
    expect(ijgQuantTable(50).slice(0, 8)).toEqual([16, 11, 10, 16, 24, 40, 51, 61]);
    expect(ijgQuantTable(100).every((v) => v === 1)).toBe(true);
    expect(Math.max(...ijgQuantTable(1))).toBe(255);
  });
});

describe('jpegQualityOf', () => {
  it.each([10, 30, 50, 75, 90, 95])('gives back libjpeg quality %i exactly', async (q) => {
    const est = jpegQualityOf(await jpegAt(q));
    expect(est?.quality).toBe(q);
    expect(est?.meanAbsError).toBe(0);
  });

  it('reads a progressive JPEG too (its tables come before the first scan)', async () => {
    expect(jpegQualityOf(await jpegAt(40, { progressive: true }))?.quality).toBe(40);
  });

  it('reads the head of a file cut after the tables', async () => {
    const full = await jpegAt(60);
    const sos = full.indexOf(Buffer.from([0xff, 0xda]));
    expect(jpegQualityOf(full.subarray(0, sos + 2))?.quality).toBe(60);
  });

  it('is null for what is not a JPEG or has no tables', async () => {
    const png = await sharp(noisy(8, 8), { raw: { width: 8, height: 8, channels: 3 } })
      .png()
      .toBuffer();
    expect(jpegQualityOf(png)).toBeNull();
    expect(jpegQualityOf(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))).toBeNull();
    expect(jpegQualityOf(new Uint8Array(0))).toBeNull();
  });

  it('refuses a malformed DQT (zero entry, bad precision)', () => {
    const seg = (pqTq: number, fill: number) => [0xff, 0xdb, 0x00, 67, pqTq, ...new Array<number>(64).fill(fill)];
    expect(readJpegQuantTables(new Uint8Array([0xff, 0xd8, ...seg(0x00, 0)]))).toBeNull();
    expect(readJpegQuantTables(new Uint8Array([0xff, 0xd8, ...seg(0x20, 4)]))).toBeNull();
    const ok = readJpegQuantTables(new Uint8Array([0xff, 0xd8, ...seg(0x00, 4)]));
    expect(ok?.get(0)?.every((v) => v === 4)).toBe(true);
  });

  it('reads 16-bit tables', () => {
    const body = [0x10, ...new Array<number>(64).fill(0).flatMap(() => [0x01, 0x2c])]; // Pq 1, Tq 0, every entry 300
    const tables = readJpegQuantTables(new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0, 2 + body.length, ...body]));
    expect(tables?.get(0)?.every((v) => v === 300)).toBe(true);
    expect(estimateJpegQuality(tables ?? new Map())?.quality).toBe(1);
  });

  it('finds the nearest IJG quality for a table libjpeg would not write', () => {
    const est = estimateJpegQuality(new Map([[0, ijgQuantTable(20).map((v) => v + 1)]]));
    expect(est?.quality).toBeGreaterThanOrEqual(19);
    expect(est?.quality).toBeLessThanOrEqual(20);
    expect(est?.meanAbsError).toBeGreaterThan(0);
  });
});

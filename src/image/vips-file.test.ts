import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { headerFor, metadataXmlFor, parseVipsHeader, readRows, readVipsFile, VIPS_HEADER_BYTES, writeRows } from './vips-file.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-vips-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('libvips working files', () => {
  test('reads what sharp writes: header, rows, a box; writes rows sharp reads back', async () => {
    const px = Buffer.from(Array.from({ length: 5 * 4 * 4 }, (_, i) => i));
    const file = path.join(dir, 'a.v');
    await sharp(px, { raw: { width: 5, height: 4, channels: 4 } })
      .keepIccProfile()
      .toFile(file);
    const fh = await open(file, 'r+');
    try {
      const { header, xml } = await readVipsFile(fh);
      expect([header.width, header.height, header.layout]).toEqual([5, 4, { bands: 4, depth: 8 }]);
      expect(xml).toMatch(/^<\?xml/);
      expect(Buffer.from(await readRows(fh, header, { x: 0, y: 1, w: 5, h: 2 }))).toEqual(px.subarray(20, 60));
      expect(Buffer.from(await readRows(fh, header, { x: 1, y: 2, w: 2, h: 2 }))).toEqual(
        Buffer.concat([px.subarray(44, 52), px.subarray(64, 72)]),
      );
      await writeRows(fh, 5, 4, { x: 3, y: 0, w: 2, h: 1 }, Uint8Array.from([9, 9, 9, 9, 8, 8, 8, 8]));
    } finally {
      await fh.close();
    }
    const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(12, 20)]).toEqual([9, 9, 9, 9, 8, 8, 8, 8]);
    expect(data.subarray(20)).toEqual(px.subarray(20));
  });

  test('refuses what it cannot read as pixels', () => {
    const good = new Uint8Array(VIPS_HEADER_BYTES);
    good.set([0xb6, 0xa6, 0xf2, 0x08]);
    const v = new DataView(good.buffer);
    v.setInt32(4, 2, true);
    v.setInt32(8, 2, true);
    v.setInt32(12, 3, true);
    expect(parseVipsHeader(good).layout).toEqual({ bands: 3, depth: 8 });
    const with_ = (at: number, value: number) => {
      const b = good.slice();
      new DataView(b.buffer).setInt32(at, value, true);
      return b;
    };
    expect(() => parseVipsHeader(with_(20, 6))).toThrow(/band format 6/);
    expect(() => parseVipsHeader(with_(24, 2))).toThrow(/coding 2/);
    expect(() => parseVipsHeader(with_(12, 5))).toThrow(/5 bands/);
    const bigEndian = good.slice();
    bigEndian.set([0x08, 0xf2, 0xa6, 0xb6]);
    expect(() => parseVipsHeader(bigEndian)).toThrow(/little-endian/);
    const h = headerFor(good, 640, 480);
    expect([parseVipsHeader(h).width, parseVipsHeader(h).height, parseVipsHeader(h).xmlOffset]).toEqual([640, 480, 64 + 640 * 480 * 3]);
  });

  test('metadataXmlFor carries the profile and metadata blobs, drops the rest, and says orientation 1', () => {
    const xml = `<?xml version="1.0"?>
<root xmlns="http://www.vips.ecs.soton.ac.uk/vips/8.17.3">
  <header>
    <field type="VipsRefString" name="Hist"></field>
  </header>
  <meta>
    <field type="VipsRefString" name="vips-loader">jpegload</field>
    <field type="VipsBlob" name="icc-profile-data">AAAB</field>
    <field type="VipsBlob" name="exif-data">RXhp</field>
    <field type="VipsRefString" name="exif-ifd0-Orientation">6 (Right-top, Short, 1 components, 2 bytes)</field>
    <field type="gint" name="orientation">6</field>
  </meta>
</root>`;
    const out = metadataXmlFor(xml);
    expect(out).toContain('<root xmlns="http://www.vips.ecs.soton.ac.uk/vips/8.17.3">');
    expect(out).toContain('<field type="VipsBlob" name="icc-profile-data">AAAB</field>');
    expect(out).toContain('<field type="VipsBlob" name="exif-data">RXhp</field>');
    expect(out).toContain('<field type="gint" name="orientation">1</field>');
    expect(out).not.toMatch(/jpegload|exif-ifd0|orientation">6/);
  });
});

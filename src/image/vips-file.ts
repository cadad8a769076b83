import type { FileHandle } from 'node:fs/promises';
import { UprezError } from '../errors.js';
import type { Rect } from './orientation.js';
import type { PixelLayout } from './tile-pixels.js';

/**
 * libvips' own file format (.v), the working format between decoding and encoding: a 64-byte
 * header, the pixels uncompressed row by row, then an XML block of metadata (ICC profile, EXIF,
 * XMP as base64 blobs). sharp writes one as it decodes an input, and reads one to encode the
 * output; uprez reads and writes pixels in between with plain positional file I/O, one tile at a
 * time, so no picture is ever whole in memory. Only what this machine's libvips writes is read:
 * little-endian ("Intel") files of uncoded 8- or 16-bit unsigned samples.
 */

/** VipsHeader is what uprez needs of a .v file. */
export interface VipsHeader {
  readonly width: number;
  readonly height: number;
  readonly layout: PixelLayout;
  /** The 64 header bytes as read (a template for the output file). */
  readonly bytes: Uint8Array;
  /** Where the metadata XML starts. */
  readonly xmlOffset: number;
}

/** VIPS_HEADER_BYTES is the size of a .v header; pixels start right after it. */
export const VIPS_HEADER_BYTES = 64;

const MAGIC_INTEL = [0xb6, 0xa6, 0xf2, 0x08];
const BAND_FORMAT = { uchar: 0, ushort: 2 } as const;

function bad(why: string): UprezError {
  return new UprezError('IMAGE_INTERNAL', `working file: ${why}`);
}

/** parseVipsHeader reads the header of a .v file's first 64 bytes. */
export function parseVipsHeader(b: Uint8Array): VipsHeader {
  if (b.length < VIPS_HEADER_BYTES || !MAGIC_INTEL.every((v, i) => b[i] === v)) throw bad('not a little-endian libvips file');
  const v = new DataView(b.buffer, b.byteOffset, VIPS_HEADER_BYTES);
  const width = v.getInt32(4, true);
  const height = v.getInt32(8, true);
  const bands = v.getInt32(12, true);
  const format = v.getInt32(20, true);
  const coding = v.getInt32(24, true);
  if (width <= 0 || height <= 0) throw bad(`size ${width}x${height}`);
  if (bands < 1 || bands > 4) throw bad(`${bands} bands`);
  if (coding !== 0) throw bad(`coding ${coding}`);
  if (format !== BAND_FORMAT.uchar && format !== BAND_FORMAT.ushort) throw bad(`band format ${format}`);
  const layout: PixelLayout = { bands: bands as PixelLayout['bands'], depth: format === BAND_FORMAT.uchar ? 8 : 16 };
  const xmlOffset = VIPS_HEADER_BYTES + width * height * bands * (layout.depth / 8);
  return { width, height, layout, bytes: b.slice(0, VIPS_HEADER_BYTES), xmlOffset };
}

/** readVipsFile reads the header and the metadata XML of an open .v file. */
export async function readVipsFile(fh: FileHandle): Promise<{ header: VipsHeader; xml: string }> {
  const head = new Uint8Array(VIPS_HEADER_BYTES);
  const { bytesRead } = await fh.read(head, 0, VIPS_HEADER_BYTES, 0);
  const header = parseVipsHeader(head.subarray(0, bytesRead));
  const size = (await fh.stat()).size;
  if (size < header.xmlOffset) throw bad(`${size} bytes, the pixels alone need ${header.xmlOffset}`);
  const xml = Buffer.alloc(size - header.xmlOffset);
  await fh.read(xml, 0, xml.length, header.xmlOffset);
  return { header, xml: xml.toString('utf8') };
}

/** headerFor is `template` (a .v header) with a new width and height: same bands, format and interpretation. */
export function headerFor(template: Uint8Array, width: number, height: number): Uint8Array {
  const out = template.slice(0, VIPS_HEADER_BYTES);
  const v = new DataView(out.buffer, out.byteOffset, VIPS_HEADER_BYTES);
  v.setInt32(4, width, true);
  v.setInt32(8, height, true);
  return out;
}

/** Metadata fields carried from the input to the output; the rest (loader details, stale EXIF strings) are dropped. */
const CARRIED_FIELDS = new Set(['icc-profile-data', 'exif-data', 'xmp-data', 'iptc-data', 'resolution-unit']);

/**
 * metadataXmlFor builds the output's XML block from the input's: the carried fields (the ICC
 * profile and whichever of EXIF/XMP/IPTC the decode kept) and orientation 1, since the pixels are
 * written upright.
 */
export function metadataXmlFor(inputXml: string): string {
  const root = /<root xmlns="[^"]*">/.exec(inputXml)?.[0] ?? '<root xmlns="http://www.vips.ecs.soton.ac.uk/vips/8.17.3">';
  const fields: string[] = [];
  for (const m of inputXml.matchAll(/<field type="([^"]+)" name="([^"]+)">([^<]*)<\/field>/g)) {
    if (CARRIED_FIELDS.has(m[2] as string)) fields.push(`    ${m[0]}`);
  }
  fields.push('    <field type="gint" name="orientation">1</field>');
  return [
    '<?xml version="1.0"?>',
    root,
    '  <header>',
    '    <field type="VipsRefString" name="Hist"></field>',
    '  </header>',
    '  <meta>',
    ...fields,
    '  </meta>',
    '</root>',
    '',
  ].join('\n');
}

/** readRows reads `box` of a .v picture, row by row (one read when the box spans whole rows). */
export async function readRows(fh: FileHandle, h: VipsHeader, box: Rect): Promise<Uint8Array> {
  const bpp = h.layout.bands * (h.layout.depth / 8);
  const rowBytes = box.w * bpp;
  // A fresh buffer (offset 0), so 16-bit samples can be viewed in place.
  const out = new Uint8Array(new ArrayBuffer(rowBytes * box.h));
  if (box.x === 0 && box.w === h.width) {
    await readFully(fh, out, 0, out.length, VIPS_HEADER_BYTES + box.y * rowBytes);
    return out;
  }
  for (let r = 0; r < box.h; r++) {
    await readFully(fh, out, r * rowBytes, rowBytes, VIPS_HEADER_BYTES + ((box.y + r) * h.width + box.x) * bpp);
  }
  return out;
}

async function readFully(fh: FileHandle, buf: Uint8Array, at: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, at + done, length - done, position + done);
    if (bytesRead === 0) throw bad(`ended ${length - done} bytes early at ${position + done}`);
    done += bytesRead;
  }
}

/** writeRows writes `data` (rect's pixels, row by row) into a .v picture `width` wide with `bpp` bytes a pixel. */
export async function writeRows(fh: FileHandle, width: number, bpp: number, rect: Rect, data: Uint8Array): Promise<void> {
  const rowBytes = rect.w * bpp;
  if (data.length !== rowBytes * rect.h) throw bad(`${data.length} bytes for a ${rect.w}x${rect.h} rectangle`);
  if (rect.x === 0 && rect.w === width) {
    await writeFully(fh, data, VIPS_HEADER_BYTES + rect.y * rowBytes);
    return;
  }
  for (let r = 0; r < rect.h; r++) {
    await writeFully(fh, data.subarray(r * rowBytes, (r + 1) * rowBytes), VIPS_HEADER_BYTES + ((rect.y + r) * width + rect.x) * bpp);
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

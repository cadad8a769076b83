import type { FileHandle } from 'node:fs/promises';

/** Most top-level boxes an AVIF is walked through (a whole one has a handful). */
const MAX_BOXES = 1024;

/**
 * isobmffComplete walks the top-level boxes of an ISO-BMFF file (AVIF, HEIF): whole when they
 * end exactly at the end of the file, so a file cut short (inside a box) is not.
 */
export async function isobmffComplete(fh: FileHandle, size: number): Promise<boolean> {
  const head = Buffer.alloc(16);
  let at = 0;
  for (let n = 0; n < MAX_BOXES && at < size; n++) {
    const { bytesRead } = await fh.read(head, 0, 16, at);
    if (bytesRead < 8) return false;
    let box = head.readUInt32BE(0);
    if (box === 1) {
      if (bytesRead < 16) return false;
      box = Number(head.readBigUInt64BE(8));
    } else if (box === 0) {
      // "To the end of the file": whole by definition, if anything follows the header.
      return size > at + 8;
    }
    if (box < 8) return false;
    at += box;
  }
  return at === size;
}

/** Bytes per value of each TIFF field type (0: unknown). */
const TIFF_TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 0, 0, 0, 8, 8, 8];
/** Tags whose values are offsets/byte counts of the pixel data: strips and tiles. */
const STRIP_OFFSETS = 273;
const STRIP_BYTES = 279;
const TILE_OFFSETS = 324;
const TILE_BYTES = 325;

/**
 * tiffComplete checks a TIFF's first directory and what it points to: the directory, every field
 * value stored outside it, and every strip or tile of pixels must lie inside the file, so a file
 * cut short anywhere (libtiff writes pixels, then the directory, then large field values) is not whole.
 */
export async function tiffComplete(fh: FileHandle, size: number): Promise<boolean> {
  const head = Buffer.alloc(16);
  const { bytesRead } = await fh.read(head, 0, 16, 0);
  if (bytesRead < 8) return false;
  const le = head.toString('latin1', 0, 2) === 'II';
  const big = (le ? head.readUInt16LE(2) : head.readUInt16BE(2)) === 43;
  const u16 = (b: Buffer, at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const u64 = (b: Buffer, at: number): number => Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  const ifd = big ? u64(head, 8) : u32(head, 4);
  const countBytes = big ? 8 : 2;
  if (ifd < 8 || ifd + countBytes > size) return false;
  const c = Buffer.alloc(countBytes);
  await fh.read(c, 0, countBytes, ifd);
  const entries = big ? u64(c, 0) : u16(c, 0);
  const entryBytes = big ? 20 : 12;
  const inline = big ? 8 : 4;
  if (entries === 0 || entries > 4096 || ifd + countBytes + entries * entryBytes + inline > size) return false;
  const dir = Buffer.alloc(entries * entryBytes);
  await fh.read(dir, 0, dir.length, ifd + countBytes);
  /** values reads the numbers of one field (inline or at its offset); undefined when they lie outside the file. */
  const values = async (at: number): Promise<number[] | undefined> => {
    const type = u16(dir, at + 2);
    const count = big ? u64(dir, at + 4) : u32(dir, at + 4);
    const unit = TIFF_TYPE_BYTES[type] ?? 0;
    const bytes = unit * count;
    const valueAt = at + (big ? 12 : 8);
    let buf: Buffer;
    if (bytes <= inline) buf = dir.subarray(valueAt, valueAt + inline);
    else {
      const off = big ? u64(dir, valueAt) : u32(dir, valueAt);
      if (off + bytes > size || bytes > 64 * 1024 * 1024) return undefined;
      buf = Buffer.alloc(bytes);
      await fh.read(buf, 0, bytes, off);
    }
    if (unit !== 2 && unit !== 4 && unit !== 8) return [];
    return Array.from({ length: count }, (_, i) => (unit === 2 ? u16(buf, i * 2) : unit === 4 ? u32(buf, i * 4) : u64(buf, i * 8)));
  };
  const fields = new Map<number, number[]>();
  for (let i = 0; i < entries; i++) {
    const at = i * entryBytes;
    const v = await values(at);
    if (v === undefined) return false;
    fields.set(u16(dir, at), v);
  }
  const offsets = fields.get(STRIP_OFFSETS) ?? fields.get(TILE_OFFSETS);
  const counts = fields.get(STRIP_BYTES) ?? fields.get(TILE_BYTES);
  if (!offsets || !counts || offsets.length !== counts.length || offsets.length === 0) return false;
  return offsets.every((o, i) => o + (counts[i] as number) <= size);
}

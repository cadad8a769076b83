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

/**
 * tiffComplete checks that a TIFF's first directory (which libtiff writes after the pixels) lies
 * inside the file with all its entries, so a file cut short in its pixels or its directory is not whole.
 */
export async function tiffComplete(fh: FileHandle, size: number): Promise<boolean> {
  const head = Buffer.alloc(16);
  const { bytesRead } = await fh.read(head, 0, 16, 0);
  if (bytesRead < 8) return false;
  const le = head.toString('latin1', 0, 2) === 'II';
  const big = (le ? head.readUInt16LE(2) : head.readUInt16BE(2)) === 43;
  const ifd = big ? Number(le ? head.readBigUInt64LE(8) : head.readBigUInt64BE(8)) : le ? head.readUInt32LE(4) : head.readUInt32BE(4);
  const countBytes = big ? 8 : 2;
  if (ifd < 8 || ifd + countBytes > size) return false;
  const c = Buffer.alloc(countBytes);
  await fh.read(c, 0, countBytes, ifd);
  const entries = big ? Number(le ? c.readBigUInt64LE(0) : c.readBigUInt64BE(0)) : le ? c.readUInt16LE(0) : c.readUInt16BE(0);
  const entryBytes = big ? 20 : 12;
  const next = big ? 8 : 4;
  return entries > 0 && ifd + countBytes + entries * entryBytes + next <= size;
}

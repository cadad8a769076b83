import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { UprezError } from '../errors.js';

/**
 * A small streaming ZIP writer (PKWARE APPNOTE 6.3, no ZIP64): entries are read from disk and
 * written one after another to `out`, honouring its backpressure, so a batch of large pictures is
 * never in memory. Already-compressed images are stored; the rest are deflated (node:zlib).
 */

/** ZipEntry is one file to put in the archive. */
export interface ZipEntry {
  /** Name inside the archive (UTF-8, forward slashes, no leading slash or `..`). */
  readonly name: string;
  readonly path: string;
  /** Deflate it (worth it for TIFF; PNG, JPEG, WebP and AVIF are compressed already). */
  readonly deflate: boolean;
  readonly mtime?: Date;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** crc32 is zlib's CRC-32 (node:zlib has it from Node 20.15; a table-driven one before). */
const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function'
    ? zlib.crc32
    : (data, value = 0) => {
        let c = ~value;
        for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
        return ~c >>> 0;
      };

/** The archive may not reach 4 GiB: without ZIP64, sizes and offsets are 32-bit. */
const LIMIT = 0xffff_ffff;

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** write writes a buffer to `out` and waits for it to drain when it asks to. */
async function write(out: Writable, b: Buffer): Promise<void> {
  if (out.write(b)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      out.off('drain', ok);
      out.off('error', done);
      out.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const ok = (): void => done();
    const closed = (): void => done(new UprezError('ZIP_ABORTED', 'the download was closed'));
    out.once('drain', ok);
    out.once('error', done);
    out.once('close', closed);
  });
}

/** copy writes every chunk of `src` to `out` (with backpressure) and returns how many bytes it wrote. */
async function copy(src: AsyncIterable<Buffer>, out: Writable): Promise<number> {
  let n = 0;
  for await (const chunk of src) {
    n += chunk.length;
    await write(out, chunk);
  }
  return n;
}

async function fileCrc(file: string): Promise<number> {
  let crc = 0;
  for await (const chunk of createReadStream(file)) crc = crc32(chunk as Buffer, crc);
  return crc;
}

/** checkZipName refuses names that would write outside the folder an archive is unpacked into. */
function checkZipName(name: string): Buffer {
  if (
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.split('/').some((s) => s === '..' || s === '.') ||
    /[\u0000-\u001f]/.test(name)
  ) {
    throw new UprezError('ZIP_BAD_NAME', `refusing zip entry name ${JSON.stringify(name)}`);
  }
  return Buffer.from(name, 'utf8');
}

/**
 * writeZip writes `entries` as a ZIP archive to `out` (it does not end `out`). Errors:
 * ZIP_TOO_LARGE before anything is written when the archive could pass 4 GiB or 65535 entries.
 */
export async function writeZip(entries: readonly ZipEntry[], out: Writable): Promise<void> {
  const names = entries.map((e) => checkZipName(e.name));
  const sizes = await Promise.all(entries.map(async (e) => (await stat(e.path)).size));
  // Deflate can grow incompressible data by a few bytes per 16 KiB block: leave room for it.
  const worst = sizes.reduce((a, s, i) => a + s + Math.ceil(s / 16_384) * 5 + 2 * (names[i] as Buffer).length + 128, 22);
  if (entries.length > 0xffff || worst > LIMIT) {
    throw new UprezError(
      'ZIP_TOO_LARGE',
      `${entries.length} files of ${sizes.reduce((a, s) => a + s, 0)} bytes do not fit a ZIP without ZIP64 (4 GiB); download them one by one`,
    );
  }
  const central: Buffer[] = [];
  let offset = 0;
  for (const [i, e] of entries.entries()) {
    const name = names[i] as Buffer;
    const { time, date } = dosTime(e.mtime ?? new Date());
    const method = e.deflate ? 8 : 0;
    // Stored entries carry their CRC and size up front (read the file once more); deflated ones
    // follow with a data descriptor (bit 3), since their compressed size is known only at the end.
    const flags = 0x0800 | (e.deflate ? 0x0008 : 0);
    const size = sizes[i] as number;
    let crc = e.deflate ? 0 : await fileCrc(e.path);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(e.deflate ? 0 : crc, 14);
    local.writeUInt32LE(e.deflate ? 0 : size, 18);
    local.writeUInt32LE(e.deflate ? 0 : size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    await write(out, Buffer.concat([local, name]));
    let written: number;
    if (e.deflate) {
      const deflate = zlib.createDeflateRaw({ level: 6 });
      createReadStream(e.path)
        .on('data', (chunk) => (crc = crc32(chunk as Buffer, crc)))
        .on('error', (err) => deflate.destroy(err))
        .pipe(deflate);
      written = await copy(deflate, out);
      const desc = Buffer.alloc(16);
      desc.writeUInt32LE(0x08074b50, 0);
      desc.writeUInt32LE(crc >>> 0, 4);
      desc.writeUInt32LE(written, 8);
      desc.writeUInt32LE(size, 12);
      await write(out, desc);
    } else {
      written = await copy(createReadStream(e.path), out);
      if (written !== size) throw new UprezError('ZIP_FILE_CHANGED', `${e.name} changed while it was zipped`);
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(0x031e, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc >>> 0, 16);
    cd.writeUInt32LE(written, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + written + (e.deflate ? 16 : 0);
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  await write(out, Buffer.concat([dir, end]));
}

import type { ImageFormat } from './image-format.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** ISO-BMFF brands (in `ftyp`) of AVIF files, and of the other HEIF files. */
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** The bytes detectImageFormat needs at most. */
export const SNIFF_BYTES = 64;

const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

function isobmffFormat(b: Uint8Array): ImageFormat | undefined {
  if (b.length < 16 || ascii(b, 4, 8) !== 'ftyp') return undefined;
  const boxSize = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);
  const brands = [ascii(b, 8, 12)];
  // Compatible brands follow the major brand and the minor version, up to the end of the box.
  for (let at = 16; at + 4 <= Math.min(boxSize, b.length); at += 4) brands.push(ascii(b, at, at + 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
  if (brands.some((x) => HEIF_BRANDS.has(x))) return 'heif';
  return undefined;
}

/**
 * detectImageFormat recognises PNG, JPEG, WebP, GIF, TIFF, AVIF and HEIF by their leading bytes
 * (not by file name), or returns undefined: SVG, PDF and libvips' own files are never taken.
 */
export function detectImageFormat(b: Uint8Array): ImageFormat | undefined {
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 4) {
    const head = ascii(b, 0, 4);
    // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
    if (head === 'II*\0' || head === 'MM\0*' || head === 'II+\0' || head === 'MM\0+') return 'tiff';
  }
  return isobmffFormat(b);
}

/**
 * JPEG quality estimate from the file's quantisation tables (DQT segments), read without decoding:
 * the luma table is compared with the IJG (libjpeg) standard table scaled to every quality 1..100,
 * and the closest quality wins. Encoders that use libjpeg's scaling (libjpeg, libjpeg-turbo, PIL,
 * ImageMagick, libvips, most cameras' "fine/normal") give their quality back exactly; others give
 * the IJG quality whose tables quantise about as coarsely, which is what a denoise choice needs.
 * All pure: the caller reads the bytes (the head of the file up to the first scan is enough).
 */

/** STD_LUMA_QUANT is the JPEG standard's luminance table (ITU T.81 Annex K.1), natural (row-major) order. */
const STD_LUMA_QUANT: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** ZIGZAG[k] is the natural-order index of the k-th coefficient as DQT stores it. */
const ZIGZAG: readonly number[] = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** JpegQuantTables: the tables a JPEG defines before its first scan, by slot (0..3), natural order. */
export type JpegQuantTables = ReadonlyMap<number, readonly number[]>;

/** ijgQuantTable is libjpeg's luma table at `quality` (1..100, baseline: entries clamped to 1..255), natural order. */
export function ijgQuantTable(quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return STD_LUMA_QUANT.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/**
 * readJpegQuantTables parses the DQT segments before the first SOS (start of scan) of a JPEG
 * (pure). Returns null when `bytes` is not a JPEG (no SOI), a segment runs past the data before
 * any table was seen, or a DQT is malformed; a later redefinition of a slot replaces the earlier.
 */
export function readJpegQuantTables(bytes: Uint8Array): JpegQuantTables | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const tables = new Map<number, number[]>();
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1] as number;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI, SOS: no tables after this point matter
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2; // markers without a length
      continue;
    }
    const len = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    if (len < 2) return null;
    const end = p + 2 + len;
    if (end > bytes.length) break; // truncated head: keep what was read
    if (marker === 0xdb && !readDqt(bytes, p + 4, end, tables)) return null;
    p = end;
  }
  return tables.size > 0 ? tables : null;
}

/** readDqt reads one DQT segment's tables (8- or 16-bit entries, zigzag order) into `tables`; false when malformed. */
function readDqt(bytes: Uint8Array, start: number, end: number, tables: Map<number, number[]>): boolean {
  let q = start;
  while (q < end) {
    const pq = (bytes[q] as number) >> 4;
    const tq = (bytes[q] as number) & 15;
    const size = pq === 0 ? 64 : 128;
    if (pq > 1 || tq > 3 || q + 1 + size > end) return false;
    const table = new Array<number>(64).fill(0);
    for (let k = 0; k < 64; k++) {
      const v = pq === 0 ? (bytes[q + 1 + k] as number) : ((bytes[q + 1 + 2 * k] as number) << 8) | (bytes[q + 2 + 2 * k] as number);
      if (v === 0) return false;
      table[ZIGZAG[k] as number] = v;
    }
    tables.set(tq, table);
    q += 1 + size;
  }
  return true;
}

/** JpegQualityEstimate: the IJG quality closest to the luma table, and how far off the best fit is. */
export interface JpegQualityEstimate {
  /** 1..100. */
  readonly quality: number;
  /** Mean |table - IJG table| per entry at that quality (0: libjpeg's own scaling). */
  readonly meanAbsError: number;
}

/**
 * estimateJpegQuality finds the IJG quality whose luma table is closest (least mean absolute
 * difference, the higher quality on a tie) to slot 0 of `tables`, the table luma uses in every
 * encoder we know (pure). Null without a slot-0 table.
 */
export function estimateJpegQuality(tables: JpegQuantTables): JpegQualityEstimate | null {
  const luma = tables.get(0);
  if (!luma || luma.length !== 64) return null;
  let best: JpegQualityEstimate | null = null;
  for (let q = 100; q >= 1; q--) {
    const ref = ijgQuantTable(q);
    let err = 0;
    for (let i = 0; i < 64; i++) err += Math.abs((luma[i] as number) - (ref[i] as number));
    const mean = err / 64;
    if (!best || mean < best.meanAbsError) best = { quality: q, meanAbsError: mean };
  }
  return best;
}

/** jpegQualityOf is readJpegQuantTables then estimateJpegQuality (null: not a JPEG or no luma table). */
export function jpegQualityOf(bytes: Uint8Array): JpegQualityEstimate | null {
  const tables = readJpegQuantTables(bytes);
  return tables ? estimateJpegQuality(tables) : null;
}

/**
 * Reads what the packager needs from a fragmented MP4 initialization section (ftyp + moov): each
 * track's id, kind, timescale, trex defaults and RFC 6381 codec string from its sample entry.
 */
import { type Box, boxError, childBoxes, need, payload } from './fmp4-boxes.js';

/** Trex defaults apply to a track's fragment samples unless tfhd/trun override them. */
export interface TrackDefaults {
  readonly sampleDuration: number;
  readonly sampleSize: number;
  readonly sampleFlags: number;
}

/** TrackInfo is one track of the initialization section. */
export interface TrackInfo {
  readonly id: number;
  readonly kind: 'video' | 'audio';
  /** Ticks per second of the track's timestamps (mdhd). */
  readonly timescale: number;
  /** RFC 6381 codec, e.g. "avc1.64001f" or "mp4a.40.2". */
  readonly codec: string;
  /** Video only: coded size from the sample entry. */
  readonly width?: number;
  readonly height?: number;
  readonly defaults: TrackDefaults;
}

/** InitInfo describes an initialization section. */
export interface InitInfo {
  readonly tracks: readonly TrackInfo[];
}

/** parseInit reads the moov box of an initialization section. */
export function parseInit(moov: Box): InitInfo {
  if (moov.type !== 'moov') throw boxError(`expected moov, got ${moov.type}`);
  const kids = childBoxes(moov);
  const trexById = new Map<number, TrackDefaults>();
  const mvex = kids.find((b) => b.type === 'mvex');
  if (!mvex) throw boxError('moov has no mvex: the output is not fragmented (movflags +empty_moov+frag_*)');
  for (const trex of childBoxes(mvex).filter((b) => b.type === 'trex')) {
    const p = payload(trex);
    trexById.set(p.readUInt32BE(4), {
      sampleDuration: p.readUInt32BE(12),
      sampleSize: p.readUInt32BE(16),
      sampleFlags: p.readUInt32BE(20),
    });
  }
  const tracks: TrackInfo[] = [];
  for (const trak of kids.filter((b) => b.type === 'trak')) {
    const tkhd = payload(need(trak, 'tkhd'));
    const id = tkhd.readUInt32BE(tkhd[0] === 1 ? 20 : 12);
    const mdia = need(trak, 'mdia');
    const mdhd = payload(need(mdia, 'mdhd'));
    const timescale = mdhd.readUInt32BE(mdhd[0] === 1 ? 20 : 12);
    const handler = payload(need(mdia, 'hdlr')).toString('latin1', 8, 12);
    const stsd = need(need(need(mdia, 'minf'), 'stbl'), 'stsd');
    const entry = childBoxes(stsd, stsd.headerSize + 8)[0];
    if (!entry) throw boxError(`track ${id} has no sample entry`);
    const defaults = trexById.get(id);
    if (!defaults) throw boxError(`track ${id} has no trex`);
    if (handler === 'vide') tracks.push({ id, kind: 'video', timescale, defaults, ...videoEntry(entry) });
    else if (handler === 'soun') tracks.push({ id, kind: 'audio', timescale, defaults, codec: audioCodec(entry) });
  }
  if (!tracks.some((t) => t.kind === 'video')) throw boxError('the initialization section has no video track');
  return { tracks };
}

/** VisualSampleEntry: 6 reserved + 2 index + 16 predefined, then width and height, 78 bytes in all before child boxes. */
const VISUAL_ENTRY_BYTES = 78;
/** AudioSampleEntry (version 0): 28 bytes before child boxes. */
const AUDIO_ENTRY_BYTES = 28;

function videoEntry(entry: Box): { codec: string; width: number; height: number } {
  if (entry.type !== 'avc1' && entry.type !== 'avc3') throw boxError(`video sample entry ${entry.type} is not H.264`);
  const p = payload(entry);
  const width = p.readUInt16BE(24);
  const height = p.readUInt16BE(26);
  const avcC = payload(need(entry, 'avcC', entry.headerSize + VISUAL_ENTRY_BYTES));
  if (avcC.length < 4) throw boxError('avcC is truncated');
  const hex = (n: number): string => (avcC[n] as number).toString(16).padStart(2, '0');
  return { codec: `${entry.type}.${hex(1)}${hex(2)}${hex(3)}`, width, height };
}

function audioCodec(entry: Box): string {
  if (entry.type !== 'mp4a') throw boxError(`audio sample entry ${entry.type} is not mp4a`);
  const esds = payload(need(entry, 'esds', entry.headerSize + AUDIO_ENTRY_BYTES));
  // esds is a full box (4 bytes), then the ES_Descriptor (tag 3) holding a
  // DecoderConfigDescriptor (tag 4): objectTypeIndication, ..., DecoderSpecificInfo (tag 5).
  let off = 4;
  const descriptor = (tag: number): number => {
    if (esds[off] !== tag) throw boxError(`esds: expected descriptor ${tag}, got ${esds[off]}`);
    off++;
    let len = 0;
    for (let i = 0; i < 4; i++) {
      const b = esds[off++] as number;
      len = (len << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return len;
  };
  descriptor(3);
  const flags = esds[off + 2] as number;
  off += 3;
  if (flags & 0x80) off += 2; // dependsOn_ES_ID
  if (flags & 0x40) off += 1 + (esds[off] as number); // URL
  if (flags & 0x20) off += 2; // OCR_ES_Id
  descriptor(4);
  const oti = esds[off] as number;
  off += 13;
  if (oti !== 0x40) return `mp4a.${oti.toString(16)}`;
  descriptor(5);
  let aot = (esds[off] as number) >> 3;
  if (aot === 31) aot = 32 + ((((esds[off] as number) & 0x07) << 3) | ((esds[off + 1] as number) >> 5));
  return `mp4a.40.${aot}`;
}

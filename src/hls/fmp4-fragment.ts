/**
 * Reads the samples of one movie fragment (moof + mdat) and writes new fragments from samples.
 * The LL-HLS packager reads ffmpeg's tiny fragments and regroups their samples into partial
 * segments of whole frames, so parts have the durations the playlist declares.
 */
import { type Box, boxError, childBoxes, payload } from './fmp4-boxes.js';
import type { InitInfo } from './fmp4-init.js';

/** Sample is one access unit (a video frame, an AAC frame) of a track. */
export interface Sample {
  readonly trackId: number;
  /** Decode time in the track's timescale. */
  readonly dts: number;
  readonly duration: number;
  /** Composition time offset (0 without B-frames). */
  readonly cto: number;
  /** ISO BMFF sample flags (bit 16: non-sync). */
  readonly flags: number;
  readonly data: Buffer;
}

/** SAMPLE_NON_SYNC is the sample_is_non_sync_sample bit of sample flags. */
export const SAMPLE_NON_SYNC = 0x00010000;

/** isSync says whether a sample is a sync sample (a keyframe for video). */
export function isSync(s: Sample): boolean {
  return (s.flags & SAMPLE_NON_SYNC) === 0;
}

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_SAMPLE_DESCRIPTION = 0x2;
const TFHD_DURATION = 0x8;
const TFHD_SIZE = 0x10;
const TFHD_FLAGS = 0x20;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000;
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_FLAGS = 0x4;
const TRUN_DURATION = 0x100;
const TRUN_SIZE = 0x200;
const TRUN_FLAGS = 0x400;
const TRUN_CTO = 0x800;

/**
 * parseFragment returns the samples of moof + mdat (in trun order per track, tracks in traf
 * order). Data offsets must be relative to the moof (ffmpeg's default_base_moof): absolute file
 * offsets mean nothing on a pipe and are refused.
 */
export function parseFragment(moof: Box, mdat: Box, init: InitInfo): Sample[] {
  if (moof.type !== 'moof' || mdat.type !== 'mdat') throw boxError(`expected moof + mdat, got ${moof.type} + ${mdat.type}`);
  const out: Sample[] = [];
  const mdatStart = moof.bytes.length; // mdat follows the moof directly
  for (const traf of childBoxes(moof).filter((b) => b.type === 'traf')) {
    const kids = childBoxes(traf);
    const tfhdBox = kids.find((b) => b.type === 'tfhd');
    if (!tfhdBox) throw boxError('traf has no tfhd');
    const tfhd = payload(tfhdBox);
    const tf = tfhd.readUInt32BE(0) & 0xffffff;
    const trackId = tfhd.readUInt32BE(4);
    const track = init.tracks.find((t) => t.id === trackId);
    if (!track) throw boxError(`fragment names track ${trackId}, which the initialization section does not have`);
    if (tf & TFHD_BASE_DATA_OFFSET) throw boxError('tfhd carries an absolute base data offset (use movflags +default_base_moof)');
    let off = 8;
    if (tf & TFHD_SAMPLE_DESCRIPTION) off += 4;
    let defDuration = track.defaults.sampleDuration;
    let defSize = track.defaults.sampleSize;
    let defFlags = track.defaults.sampleFlags;
    if (tf & TFHD_DURATION) {
      defDuration = tfhd.readUInt32BE(off);
      off += 4;
    }
    if (tf & TFHD_SIZE) {
      defSize = tfhd.readUInt32BE(off);
      off += 4;
    }
    if (tf & TFHD_FLAGS) defFlags = tfhd.readUInt32BE(off); // the last optional field
    const tfdtBox = kids.find((b) => b.type === 'tfdt');
    if (!tfdtBox) throw boxError(`track ${trackId}: traf has no tfdt`);
    const tfdt = payload(tfdtBox);
    let dts = tfdt[0] === 1 ? Number(tfdt.readBigUInt64BE(4)) : tfdt.readUInt32BE(4);
    // Without a trun data offset, data starts at the mdat's payload; with one, it counts from the moof.
    let dataPos = mdatStart + mdat.headerSize;
    for (const trunBox of kids.filter((b) => b.type === 'trun')) {
      const trun = payload(trunBox);
      const version = trun[0] as number;
      const fl = trun.readUInt32BE(0) & 0xffffff;
      const count = trun.readUInt32BE(4);
      let p = 8;
      if (fl & TRUN_DATA_OFFSET) {
        dataPos = trun.readInt32BE(p);
        p += 4;
      }
      let firstFlags: number | null = null;
      if (fl & TRUN_FIRST_FLAGS) {
        firstFlags = trun.readUInt32BE(p);
        p += 4;
      }
      for (let i = 0; i < count; i++) {
        const duration = fl & TRUN_DURATION ? trun.readUInt32BE((p += 4) - 4) : defDuration;
        const size = fl & TRUN_SIZE ? trun.readUInt32BE((p += 4) - 4) : defSize;
        let flags = fl & TRUN_FLAGS ? trun.readUInt32BE((p += 4) - 4) : defFlags;
        if (i === 0 && firstFlags !== null) flags = firstFlags;
        const cto = fl & TRUN_CTO ? (version === 0 ? trun.readUInt32BE((p += 4) - 4) : trun.readInt32BE((p += 4) - 4)) : 0;
        const start = dataPos - mdatStart - mdat.headerSize;
        if (start < 0 || start + size > mdat.bytes.length - mdat.headerSize) {
          throw boxError(`track ${trackId}: sample data at ${dataPos} (+${size}) lies outside the mdat`);
        }
        out.push({ trackId, dts, duration, cto, flags, data: payload(mdat).subarray(start, start + size) });
        dts += duration;
        dataPos += size;
      }
    }
  }
  return out;
}

/** TrackRun is one track's samples for writeFragment, in decode order, contiguous in time. */
export interface TrackRun {
  readonly trackId: number;
  readonly samples: readonly Sample[];
}

/**
 * writeFragment builds one moof + mdat holding `runs` (one traf each, samples' data in the mdat in
 * the same order): default-base-is-moof, tfdt version 1, every sample's duration, size and flags
 * written out (and composition offsets when any is non-zero). `sequence` is the mfhd number.
 * A sample's duration is written as the distance to the next sample of its run, so the decode
 * times read back are exactly the samples' (ffmpeg's last AAC packets leave gaps that a declared
 * duration would close); the run's last sample keeps its own duration.
 */
export function writeFragment(sequence: number, runs: readonly TrackRun[]): Buffer {
  const used = runs.filter((r) => r.samples.length > 0);
  const trafs = used.map((r) => {
    const withCto = r.samples.some((s) => s.cto !== 0);
    const perSample = withCto ? 16 : 12;
    const tfhd = fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(r.trackId));
    const first = r.samples[0] as Sample;
    const tfdt = fullBox('tfdt', 1, 0, u64(first.dts));
    const trunFlags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | (withCto ? TRUN_CTO : 0);
    const body = Buffer.alloc(8 + perSample * r.samples.length);
    body.writeUInt32BE(r.samples.length, 0); // data offset (at 4) is filled in below
    r.samples.forEach((s, i) => {
      const o = 8 + i * perSample;
      const next = r.samples[i + 1];
      body.writeUInt32BE(next ? Math.max(0, next.dts - s.dts) : s.duration, o);
      body.writeUInt32BE(s.data.length, o + 4);
      body.writeUInt32BE(s.flags >>> 0, o + 8);
      if (withCto) body.writeInt32BE(s.cto, o + 12);
    });
    const trun = fullBox('trun', 1, trunFlags, body);
    return { tfhd, tfdt, trun };
  });
  const mfhd = fullBox('mfhd', 0, 0, u32(sequence));
  const moofSize = 8 + mfhd.length + trafs.reduce((n, t) => n + 8 + t.tfhd.length + t.tfdt.length + t.trun.length, 0);
  // Patch each trun's data offset: from the moof's first byte to the track's first sample byte.
  let dataOffset = moofSize + 8;
  used.forEach((r, i) => {
    const trun = (trafs[i] as { trun: Buffer }).trun;
    trun.writeInt32BE(dataOffset, 12 + 4);
    dataOffset += r.samples.reduce((n, s) => n + s.data.length, 0);
  });
  const moof = box('moof', mfhd, ...trafs.map((t) => box('traf', t.tfhd, t.tfdt, t.trun)));
  const mdat = box('mdat', ...used.flatMap((r) => r.samples.map((s) => s.data)));
  return Buffer.concat([moof, mdat]);
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...parts], size);
}

function fullBox(type: string, version: number, flags: number, body: Buffer): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, body);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b;
}

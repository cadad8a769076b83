/**
 * RFC 6381 codec strings from the start of an MPEG-TS segment, so the master playlist's CODECS
 * describe the stream as written (the H.264 SPS's profile, constraint flags and level; the AAC
 * object type from the ADTS header) rather than what the encoder was asked for.
 */
const PACKET = 188;

/** TsCodecs are the codecs found in a TS segment. */
export interface TsCodecs {
  /** e.g. "avc1.64001f", or null when no SPS was found. */
  readonly video: string | null;
  /** e.g. "mp4a.40.2", or null when no AAC audio was found. */
  readonly audio: string | null;
}

/**
 * tsCodecs reads the PES payloads of a TS segment's first packets: video (stream ids 0xE0-0xEF)
 * until its first SPS NAL unit, audio (0xC0-0xDF) until its first ADTS header.
 */
export function tsCodecs(ts: Buffer): TsCodecs {
  const payloads = new Map<number, Buffer[]>(); // by PID, of PES streams we care about
  const kinds = new Map<number, 'video' | 'audio'>();
  let video: string | null = null;
  let audio: string | null = null;
  for (let off = 0; off + PACKET <= ts.length && (video === null || audio === null); off += PACKET) {
    if (ts[off] !== 0x47) break; // lost sync: not a TS file we wrote
    const pid = (((ts[off + 1] as number) & 0x1f) << 8) | (ts[off + 2] as number);
    const start = ((ts[off + 1] as number) & 0x40) !== 0;
    const afc = ((ts[off + 3] as number) >> 4) & 0x3;
    if (!(afc & 0x1)) continue; // no payload
    let p = off + 4;
    if (afc & 0x2) p += 1 + (ts[p] as number);
    if (p >= off + PACKET) continue;
    let data = ts.subarray(p, off + PACKET);
    if (start) {
      if (data[0] !== 0 || data[1] !== 0 || data[2] !== 1) continue; // PSI (PAT/PMT), not PES
      const sid = data[3] as number;
      if (!kinds.has(pid)) {
        if (sid >= 0xe0 && sid <= 0xef) kinds.set(pid, 'video');
        else if (sid >= 0xc0 && sid <= 0xdf) kinds.set(pid, 'audio');
      }
      data = data.subarray(9 + (data[8] as number));
    }
    const kind = kinds.get(pid);
    if (!kind) continue;
    const list = payloads.get(pid) ?? [];
    list.push(data);
    payloads.set(pid, list);
    const bytes = Buffer.concat(list);
    if (kind === 'video' && video === null) video = spsCodec(bytes);
    if (kind === 'audio' && audio === null) audio = adtsCodec(bytes);
  }
  return { video, audio };
}

/** spsCodec finds the first SPS (NAL type 7) in an Annex B byte stream: avc1.PPCCLL. */
export function spsCodec(es: Buffer): string | null {
  for (let i = 0; i + 6 < es.length; i++) {
    if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1 && ((es[i + 3] as number) & 0x1f) === 7) {
      const hex = (n: number): string => (es[i + 4 + n] as number).toString(16).padStart(2, '0');
      return `avc1.${hex(0)}${hex(1)}${hex(2)}`;
    }
  }
  return null;
}

/** adtsCodec reads the first ADTS header's profile: mp4a.40.(profile + 1). */
export function adtsCodec(es: Buffer): string | null {
  for (let i = 0; i + 3 < es.length; i++) {
    if (es[i] === 0xff && ((es[i + 1] as number) & 0xf6) === 0xf0) {
      return `mp4a.40.${(((es[i + 2] as number) >> 6) & 0x3) + 1}`;
    }
  }
  return null;
}

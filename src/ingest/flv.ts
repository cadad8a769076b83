/**
 * FLV framing for the publish feed: the decoder reads a publish as an FLV byte stream on its
 * stdin (ffmpeg -f flv -i pipe:0), which is what RTMP carries anyway (RTMP audio, video and data
 * messages are FLV tag bodies). Also the few facts about a tag the ingest needs (keyframe,
 * sequence header).
 */
import { decodeAmf0, encodeAmf0 } from './rtmp/amf0.js';

/** FLV tag types, equal to the RTMP message types that carry them. */
export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
export const FLV_SCRIPT = 18;

/** flvFileHeader is the 9-byte FLV header plus the first PreviousTagSize (0). */
export function flvFileHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  const b = Buffer.alloc(13);
  b.write('FLV', 0, 'latin1');
  b[3] = 1;
  b[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  b.writeUInt32BE(9, 5);
  return b;
}

/** flvTag frames one tag body: 11-byte header, the body, then its PreviousTagSize. */
export function flvTag(type: number, timestamp: number, body: Buffer): Buffer {
  if (body.length > 0xffffff) throw new RangeError(`FLV tag body of ${body.length} bytes exceeds 16 MiB`);
  const b = Buffer.alloc(11 + body.length + 4);
  b[0] = type;
  b.writeUIntBE(body.length, 1, 3);
  b.writeUIntBE(timestamp & 0xffffff, 4, 3);
  b[7] = (timestamp >>> 24) & 0xff;
  body.copy(b, 11);
  b.writeUInt32BE(11 + body.length, 11 + body.length);
  return b;
}

/** VideoTagInfo is what the ingest reads from a video tag body. */
export interface VideoTagInfo {
  readonly keyframe: boolean;
  /** The decoder configuration (AVC sequence header / enhanced-RTMP SequenceStart). */
  readonly sequenceHeader: boolean;
  /** A coded picture (not a header, end of sequence or info frame). */
  readonly picture: boolean;
}

/** videoTagInfo reads frame type and packet type (legacy AVC and enhanced RTMP). */
export function videoTagInfo(body: Buffer): VideoTagInfo {
  if (body.length < 1) return { keyframe: false, sequenceHeader: false, picture: false };
  const b0 = body[0] as number;
  if (b0 & 0x80) {
    // Enhanced RTMP: [1 bit ex][3 bits frame type][4 bits packet type][FourCC]
    const frameType = (b0 >> 4) & 0x07;
    const packetType = b0 & 0x0f;
    const sequenceHeader = packetType === 0;
    const picture = packetType === 1 || packetType === 3;
    return { keyframe: frameType === 1, sequenceHeader, picture: picture && frameType !== 5 };
  }
  const frameType = b0 >> 4;
  const codec = b0 & 0x0f;
  if (codec === 7 || codec === 12) {
    const packetType = body.length > 1 ? (body[1] as number) : -1;
    return { keyframe: frameType === 1, sequenceHeader: packetType === 0, picture: packetType === 1 && frameType !== 5 };
  }
  return { keyframe: frameType === 1, sequenceHeader: false, picture: frameType !== 5 };
}

/** isAudioSequenceHeader says whether an audio tag body is an AAC AudioSpecificConfig. */
export function isAudioSequenceHeader(body: Buffer): boolean {
  return body.length >= 2 && (body[0] as number) >> 4 === 10 && body[1] === 0;
}

/**
 * scriptTagBody turns an RTMP data message into an FLV script tag body: publishers send
 * `@setDataFrame, onMetaData, {...}`, files hold `onMetaData, {...}`. Returns null for data
 * messages that are not metadata (they are of no use to the decoder) or that do not parse.
 */
export function scriptTagBody(payload: Buffer): Buffer | null {
  try {
    const values = decodeAmf0(payload);
    const rest = values[0] === '@setDataFrame' ? values.slice(1) : values;
    if (rest[0] !== 'onMetaData') return null;
    return values[0] === '@setDataFrame' ? encodeAmf0(...rest) : payload;
  } catch {
    return null;
  }
}

/** AggregatePart is one message inside an RTMP aggregate message. */
export interface AggregatePart {
  readonly type: number;
  readonly timestamp: number;
  readonly body: Buffer;
}

/**
 * splitAggregate unpacks an RTMP aggregate message (type 22: FLV tags back to back). Timestamps
 * are rebased so the first part carries the aggregate's own timestamp. Malformed input ends the
 * list at the last whole part.
 */
export function splitAggregate(payload: Buffer, timestamp: number): AggregatePart[] {
  const out: AggregatePart[] = [];
  let pos = 0;
  let base: number | null = null;
  while (pos + 11 <= payload.length) {
    const type = payload[pos] as number;
    const size = payload.readUIntBE(pos + 1, 3);
    const ts = (payload.readUIntBE(pos + 4, 3) | ((payload[pos + 7] as number) << 24)) >>> 0;
    if (pos + 11 + size + 4 > payload.length) break;
    base ??= ts;
    out.push({ type, timestamp: (timestamp + ts - base) >>> 0, body: payload.subarray(pos + 11, pos + 11 + size) });
    pos += 11 + size + 4;
  }
  return out;
}

/** metadataDeclaresAudio reads onMetaData's audio fields: true/false when it says, undefined when not. */
export function metadataDeclaresAudio(script: Buffer): boolean | undefined {
  try {
    const meta = decodeAmf0(script)[1];
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
    const codec = meta['audiocodecid'];
    if (codec === undefined) return undefined;
    return typeof codec === 'string' ? codec.length > 0 : Number(codec) > 0 || codec === 0;
  } catch {
    return undefined;
  }
}

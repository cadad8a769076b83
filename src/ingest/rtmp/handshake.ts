/**
 * The RTMP handshake, server side: C0+C1 in, S0+S1+S2 out, C2 in. Clients that sign C1 with the
 * Flash Player digest (the "complex" handshake) get a signed S1/S2 as Flash Media Server sends;
 * the others get the simple echo. Nothing here trusts the client beyond counting bytes.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** RTMP_VERSION is the only protocol version we speak (plain RTMP, not RTMPE). */
export const RTMP_VERSION = 3;
/** HANDSHAKE_SIZE is the size of C1, C2, S1 and S2. */
export const HANDSHAKE_SIZE = 1536;
const DIGEST_LENGTH = 32;

const FMS_KEY = Buffer.from('Genuine Adobe Flash Media Server 001', 'utf8');
const FP_KEY = Buffer.from('Genuine Adobe Flash Player 001', 'utf8');
const RANDOM_CRUD = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const FMS_KEY_FULL = Buffer.concat([FMS_KEY, RANDOM_CRUD]);

/** Where the digest sits: scheme 1 counts from byte 8, scheme 2 from byte 772 (both widely used). */
type DigestScheme = 1 | 2;

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function digestOffset(sig: Buffer, scheme: DigestScheme): number {
  const base = scheme === 1 ? 8 : 772;
  const sum = (sig[base] as number) + (sig[base + 1] as number) + (sig[base + 2] as number) + (sig[base + 3] as number);
  return (sum % 728) + base + 4;
}

function withoutDigest(sig: Buffer, offset: number): Buffer {
  return Buffer.concat([sig.subarray(0, offset), sig.subarray(offset + DIGEST_LENGTH)]);
}

/** clientDigestScheme says which digest scheme signed C1, or null for a simple handshake. */
export function clientDigestScheme(c1: Buffer): DigestScheme | null {
  for (const scheme of [2, 1] as const) {
    const offset = digestOffset(c1, scheme);
    const expected = hmac(FP_KEY, withoutDigest(c1, offset));
    if (expected.equals(c1.subarray(offset, offset + DIGEST_LENGTH))) return scheme;
  }
  return null;
}

/** serverResponse builds S0+S1+S2 for a client's C1. */
export function serverResponse(c1: Buffer): Buffer {
  if (c1.length !== HANDSHAKE_SIZE) throw new RangeError(`C1 must be ${HANDSHAKE_SIZE} bytes`);
  const s0 = Buffer.from([RTMP_VERSION]);
  const scheme = clientDigestScheme(c1);
  if (scheme === null) {
    // Simple handshake: S1 is ours (time 0, zeros, random), S2 echoes C1.
    const s1 = Buffer.concat([Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]);
    return Buffer.concat([s0, s1, c1]);
  }
  const s1 = Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 2, 3, 4]), randomBytes(HANDSHAKE_SIZE - 8)]);
  const s1Offset = digestOffset(s1, scheme);
  hmac(FMS_KEY, withoutDigest(s1, s1Offset)).copy(s1, s1Offset);
  const challengeOffset = digestOffset(c1, scheme);
  const key = hmac(FMS_KEY_FULL, c1.subarray(challengeOffset, challengeOffset + DIGEST_LENGTH));
  const random = randomBytes(HANDSHAKE_SIZE - DIGEST_LENGTH);
  const s2 = Buffer.concat([random, hmac(key, random)]);
  return Buffer.concat([s0, s1, s2]);
}

/** HandshakeStep is what feeding bytes to the handshake produced. */
export interface HandshakeStep {
  /** Bytes to send to the client now (S0+S1+S2), if any. */
  readonly reply?: Buffer;
  /** The handshake is complete; `rest` are the first bytes of the chunk stream. */
  readonly done: boolean;
  readonly rest: Buffer;
}

/** ServerHandshake consumes C0, C1 and C2 as they arrive, in any split. */
export class ServerHandshake {
  private buffered: Buffer = Buffer.alloc(0);
  private phase: 'c0c1' | 'c2' | 'done' = 'c0c1';

  /** push feeds received bytes; throws RangeError on a version we do not speak. */
  push(data: Buffer): HandshakeStep {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, data]) : data;
    let reply: Buffer | undefined;
    if (this.phase === 'c0c1') {
      if (this.buffered.length >= 1 && this.buffered[0] !== RTMP_VERSION) {
        throw new RangeError(`RTMP version ${this.buffered[0]} is not supported (plain RTMP is version ${RTMP_VERSION})`);
      }
      if (this.buffered.length < 1 + HANDSHAKE_SIZE) return { done: false, rest: Buffer.alloc(0) };
      reply = serverResponse(this.buffered.subarray(1, 1 + HANDSHAKE_SIZE));
      this.buffered = this.buffered.subarray(1 + HANDSHAKE_SIZE);
      this.phase = 'c2';
    }
    if (this.phase === 'c2' && this.buffered.length >= HANDSHAKE_SIZE) {
      const rest = this.buffered.subarray(HANDSHAKE_SIZE);
      this.buffered = Buffer.alloc(0);
      this.phase = 'done';
      return { ...(reply ? { reply } : {}), done: true, rest };
    }
    return { ...(reply ? { reply } : {}), done: false, rest: Buffer.alloc(0) };
  }
}

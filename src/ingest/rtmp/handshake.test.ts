import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { HANDSHAKE_SIZE, ServerHandshake, clientDigestScheme, serverResponse } from './handshake.js';

const FP_KEY = Buffer.from('Genuine Adobe Flash Player 001');
const FMS_KEY = Buffer.from('Genuine Adobe Flash Media Server 001');

/** A C1 signed the way Flash Player (scheme 1) or newer clients (scheme 2) sign it. */
function signedC1(scheme: 1 | 2): Buffer {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  const base = scheme === 1 ? 8 : 772;
  const off = (((c1[base] as number) + (c1[base + 1] as number) + (c1[base + 2] as number) + (c1[base + 3] as number)) % 728) + base + 4;
  const digest = createHmac('sha256', FP_KEY)
    .update(Buffer.concat([c1.subarray(0, off), c1.subarray(off + 32)]))
    .digest();
  digest.copy(c1, off);
  return c1;
}

describe('RTMP handshake', () => {
  test('a simple C1 gets S0, S1 and S2 = C1', () => {
    const c1 = Buffer.alloc(HANDSHAKE_SIZE, 7);
    expect(clientDigestScheme(c1)).toBeNull();
    const r = serverResponse(c1);
    expect(r.length).toBe(1 + 2 * HANDSHAKE_SIZE);
    expect(r[0]).toBe(3);
    expect(r.subarray(1 + HANDSHAKE_SIZE).equals(c1)).toBe(true);
  });

  test.each([1, 2] as const)('a C1 signed with digest scheme %i gets an S1 that carries the server digest', (scheme) => {
    const c1 = signedC1(scheme);
    expect(clientDigestScheme(c1)).toBe(scheme);
    const s1 = serverResponse(c1).subarray(1, 1 + HANDSHAKE_SIZE);
    const base = scheme === 1 ? 8 : 772;
    const off = (((s1[base] as number) + (s1[base + 1] as number) + (s1[base + 2] as number) + (s1[base + 3] as number)) % 728) + base + 4;
    const expected = createHmac('sha256', FMS_KEY)
      .update(Buffer.concat([s1.subarray(0, off), s1.subarray(off + 32)]))
      .digest();
    expect(s1.subarray(off, off + 32).equals(expected)).toBe(true);
  });

  test('accepts C0, C1 and C2 in any split, then hands over the first chunk bytes', () => {
    const hs = new ServerHandshake();
    const all = Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_SIZE, 1), Buffer.alloc(HANDSHAKE_SIZE, 2), Buffer.from([9, 9])]);
    const steps = [all.subarray(0, 1), all.subarray(1, 1000), all.subarray(1000, 2000), all.subarray(2000)].map((b) => hs.push(b));
    expect(steps.filter((s) => s.reply)).toHaveLength(1);
    expect(steps[3]?.done).toBe(true);
    expect([...(steps[3]?.rest ?? [])]).toEqual([9, 9]);
  });

  test('refuses another protocol version (RTMPE, garbage)', () => {
    expect(() => new ServerHandshake().push(Buffer.from([6, 0, 0]))).toThrow(/version 6/);
  });
});

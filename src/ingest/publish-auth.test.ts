import { describe, expect, test } from 'vitest';
import { authorizePublish, signPublish, type PublishPolicy } from './publish-auth.js';

const NOW = 1_800_000_000;
const hmac: PublishPolicy = { mode: 'hmac', secret: 's3cret', maxTtlSeconds: 86_400 };
const good = signPublish('s3cret', 'cam', NOW + 60);

describe('authorizePublish', () => {
  test.each<[string, PublishPolicy, string, Record<string, string | undefined>, ReturnType<typeof authorizePublish>]>([
    ['open lets anyone in', { mode: 'open' }, 'cam', {}, { ok: true }],
    ['listed key', { mode: 'keys', keys: new Set(['cam', 'stage']) }, 'cam', {}, { ok: true }],
    ['unlisted key', { mode: 'keys', keys: new Set(['stage']) }, 'cam', {}, { ok: false, reason: 'unknown_key' }],
    ['valid signature', hmac, 'cam', good, { ok: true }],
    ['uppercase hex accepted', hmac, 'cam', { exp: good.exp, sig: good.sig.toUpperCase() }, { ok: true }],
    ['no signature', hmac, 'cam', {}, { ok: false, reason: 'missing_signature' }],
    ['signature for another key', hmac, 'other', good, { ok: false, reason: 'bad_signature' }],
    ['tampered expiry', hmac, 'cam', { exp: String(NOW + 999), sig: good.sig }, { ok: false, reason: 'bad_signature' }],
    ['garbage signature', hmac, 'cam', { exp: good.exp, sig: 'zz' }, { ok: false, reason: 'bad_signature' }],
    ['expired', hmac, 'cam', signPublish('s3cret', 'cam', NOW - 1), { ok: false, reason: 'expired' }],
    ['too far in the future', hmac, 'cam', signPublish('s3cret', 'cam', NOW + 90_000), { ok: false, reason: 'expired' }],
    ['wrong secret', hmac, 'cam', signPublish('other', 'cam', NOW + 60), { ok: false, reason: 'bad_signature' }],
  ])('%s', (_name, policy, key, query, want) => {
    expect(authorizePublish(policy, key, query, NOW)).toEqual(want);
  });

  test('an array-valued query parameter is refused, not crashed on', () => {
    expect(authorizePublish(hmac, 'cam', { exp: [good.exp, good.exp], sig: good.sig }, NOW)).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';

/** PublishPolicy selects how publishers prove they may publish a key. */
export type PublishPolicy =
  | { readonly mode: 'open' }
  /** Only these stream keys may publish. */
  | { readonly mode: 'keys'; readonly keys: ReadonlySet<string> }
  /** rtmp://host/live/KEY?exp=UNIX_SECONDS&sig=HEX(HMAC-SHA256(secret, "KEY:exp")). */
  | { readonly mode: 'hmac'; readonly secret: string; readonly maxTtlSeconds?: number };

/** Why a publish was not authorised (metric label values; never includes the secret). */
export type AuthRefusal = 'unknown_key' | 'missing_signature' | 'bad_signature' | 'expired';

/** AuthDecision is the result of checking one publish. */
export type AuthDecision = { readonly ok: true } | { readonly ok: false; readonly reason: AuthRefusal };

/** signPublish returns the exp and sig query values that authorise KEY until `exp` (seconds). */
export function signPublish(secret: string, key: string, exp: number): { exp: string; sig: string } {
  const sig = createHmac('sha256', secret).update(`${key}:${exp}`).digest('hex');
  return { exp: String(exp), sig };
}

/** authorizePublish checks a publish of KEY with its URL query against the policy (pure but for `nowSeconds`). */
export function authorizePublish(
  policy: PublishPolicy,
  key: string,
  query: Readonly<Record<string, string | string[] | undefined>>,
  nowSeconds: number,
): AuthDecision {
  switch (policy.mode) {
    case 'open':
      return { ok: true };
    case 'keys':
      return policy.keys.has(key) ? { ok: true } : { ok: false, reason: 'unknown_key' };
    case 'hmac': {
      const exp = query['exp'];
      const sig = query['sig'];
      if (typeof exp !== 'string' || typeof sig !== 'string') return { ok: false, reason: 'missing_signature' };
      if (!/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/i.test(sig)) return { ok: false, reason: 'bad_signature' };
      const expected = Buffer.from(signPublish(policy.secret, key, Number(exp)).sig, 'hex');
      if (!timingSafeEqual(expected, Buffer.from(sig.toLowerCase(), 'hex'))) return { ok: false, reason: 'bad_signature' };
      const e = Number(exp);
      if (e < nowSeconds) return { ok: false, reason: 'expired' };
      // A signature valid for years is a leaked credential waiting to happen.
      if (policy.maxTtlSeconds !== undefined && e - nowSeconds > policy.maxTtlSeconds) return { ok: false, reason: 'expired' };
      return { ok: true };
    }
  }
}

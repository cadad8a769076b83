/** Delivery directives of a playlist request (RFC 8216bis 6.2.5), validated at the edge. */

/** Directives are a valid blocking reload request (or none). */
export interface Directives {
  readonly ok: true;
  /** _HLS_msn, or null when the request does not block. */
  readonly msn: number | null;
  /** _HLS_part, or null. */
  readonly part: number | null;
}

/** DirectiveError is a request to refuse with 400. */
export interface DirectiveError {
  readonly ok: false;
  readonly reason: string;
}

/** Largest msn or part accepted (far beyond any stream; keeps arithmetic exact). */
const MAX_DIRECTIVE = 1e12;

/**
 * parseDirectives reads _HLS_msn and _HLS_part from a raw query string (other parameters, such as
 * a player's cache buster, are ignored, and so is _HLS_skip: uprez does not offer delta updates,
 * so RFC 8216bis says to ignore it). Each must be a decimal integer, given once; _HLS_part
 * without _HLS_msn is a Bad Request (RFC 8216bis 6.2.5.2).
 */
export function parseDirectives(rawQuery: string): Directives | DirectiveError {
  const params = new URLSearchParams(rawQuery);
  const one = (name: string): number | null | string => {
    const all = params.getAll(name);
    if (all.length === 0) return null;
    if (all.length > 1) return `${name} is given ${all.length} times`;
    const v = all[0] as string;
    if (!/^\d{1,13}$/.test(v) || Number(v) > MAX_DIRECTIVE)
      return `${name} must be a decimal integer from 0 to ${MAX_DIRECTIVE}, got ${JSON.stringify(v.slice(0, 20))}`;
    return Number(v);
  };
  const msn = one('_HLS_msn');
  const part = one('_HLS_part');
  if (typeof msn === 'string') return { ok: false, reason: msn };
  if (typeof part === 'string') return { ok: false, reason: part };
  if (part !== null && msn === null) return { ok: false, reason: '_HLS_part needs _HLS_msn' };
  return { ok: true, msn, part };
}

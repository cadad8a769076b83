/**
 * The HLS origin's base URL (--hls-origin, UPREZ_HLS_ORIGIN), validated once. Credentials in the
 * URL (https://user:pass@origin/hls/) become a Basic Authorization header and never appear in a
 * log line or an error message: everything printable goes through `display`.
 */
import { UprezError } from '../errors.js';

/** OriginTarget is a validated origin: where files go and how to authenticate, without secrets in `base`. */
export interface OriginTarget {
  /** http: or https: URL with no credentials, query or fragment; its path ends with '/'. */
  readonly base: URL;
  /** `Basic …` when the URL carried user:password, else undefined. */
  readonly authorization: string | undefined;
  /** The URL as it may be logged: credentials replaced by '***'. */
  readonly display: string;
}

/** redactUrl prints a URL with any user:password replaced by '***' (unparseable input prints as '(invalid URL)'). */
export function redactUrl(raw: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(raw));
  } catch {
    return '(invalid URL)';
  }
  if (u.username !== '' || u.password !== '') {
    u.username = '***';
    u.password = '';
  }
  return u.toString();
}

function invalid(where: string, why: string): UprezError {
  return new UprezError('CONFIG_INVALID', `${where} ${why}`);
}

/**
 * parseOriginUrl validates an origin base URL: http or https, a host, no query or fragment; a
 * missing trailing '/' is added (files go to BASE/KEY/…). Errors name `where` and never echo a password.
 */
export function parseOriginUrl(raw: string, where: string): OriginTarget {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw invalid(where, 'must be an http:// or https:// URL, e.g. http://origin:8080/hls/');
  }
  const display = redactUrl(u);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw invalid(where, `must be an http:// or https:// URL, got ${u.protocol}// (${display})`);
  }
  if (u.hostname === '') throw invalid(where, `needs a host (${display})`);
  if (u.search !== '' || u.hash !== '') throw invalid(where, `must not have a query or fragment (${display})`);
  let authorization: string | undefined;
  if (u.username !== '' || u.password !== '') {
    let user: string;
    let pass: string;
    try {
      user = decodeURIComponent(u.username);
      pass = decodeURIComponent(u.password);
    } catch {
      throw invalid(where, `has a badly escaped user or password (${display})`);
    }
    authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const base = new URL(u.toString());
  base.username = '';
  base.password = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const shown = new URL(base.toString());
  if (authorization !== undefined) shown.username = '***';
  return Object.freeze({ base, authorization, display: shown.toString() });
}

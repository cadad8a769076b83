/**
 * The registry's Redis URL (--registry, UPREZ_REGISTRY), validated once: redis:// or rediss://
 * (TLS), a host, an optional port and database number. A password in the URL's userinfo is passed
 * to the client and never printed: everything printable goes through `display`.
 */
import { UprezError } from '../errors.js';
import { redactUrl } from '../origin/origin-url.js';

/** RegistryTarget is a validated Redis endpoint. */
export interface RegistryTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The URL with credentials replaced by '***', for logs and /readyz. */
  readonly display: string;
}

function invalid(where: string, why: string): UprezError {
  return new UprezError('CONFIG_INVALID', `${where} ${why}`);
}

/** parseRegistryUrl validates redis://[user:password@]host[:port][/db] (rediss:// for TLS); errors name `where` and hide the password. */
export function parseRegistryUrl(raw: string, where: string): RegistryTarget {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw invalid(where, 'must be a redis:// or rediss:// URL, e.g. redis://redis:6379');
  }
  const display = redactUrl(u);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw invalid(where, `must be a redis:// or rediss:// URL, got ${u.protocol}// (${display})`);
  if (u.hostname === '') throw invalid(where, `needs a host (${display})`);
  if (u.search !== '' || u.hash !== '') throw invalid(where, `must not have a query or fragment (${display})`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  if (!/^\d{0,5}$/.test(dbText)) throw invalid(where, `database must be a number, as in redis://host:6379/0 (${display})`);
  const db = dbText === '' ? 0 : Number(dbText);
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = u.username === '' ? undefined : decodeURIComponent(u.username);
    password = u.password === '' ? undefined : decodeURIComponent(u.password);
  } catch {
    throw invalid(where, `has a badly escaped user or password (${display})`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return Object.freeze({ host, port, db, tls: u.protocol === 'rediss:', username, password, display });
}

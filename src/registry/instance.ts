/** Who this instance is in the cluster: a unique id and the URL other instances and operators reach it at. */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { UprezError } from '../errors.js';

/** newInstanceId is unique per process: the host name (a pod's name on Kubernetes) plus a random suffix, so a restarted process never mistakes an old lease for its own. */
export function newInstanceId(hostname: string = os.hostname()): string {
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'uprez';
  return `${host}-${randomBytes(3).toString('hex')}`;
}

/** firstExternalIPv4 is this machine's first non-loopback IPv4 address (a pod's IP), or undefined. */
export function firstExternalIPv4(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/**
 * advertiseUrl is the HTTP URL other instances list for this one: `explicit` when set (validated:
 * http or https, no credentials), else http://<first external IPv4, or the host name>:<httpPort>.
 */
export function advertiseUrl(explicit: string, httpPort: number, where = '--advertise-url (UPREZ_ADVERTISE_URL)'): string {
  if (explicit === '') return `http://${firstExternalIPv4() ?? os.hostname()}:${httpPort}`;
  let u: URL;
  try {
    u = new URL(explicit);
  } catch {
    throw new UprezError('CONFIG_INVALID', `${where} must be an http:// or https:// URL, e.g. http://10.0.0.5:8000`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '' || u.username !== '' || u.password !== '') {
    throw new UprezError('CONFIG_INVALID', `${where} must be an http:// or https:// URL with a host and no credentials`);
  }
  return u.toString().replace(/\/$/, '');
}

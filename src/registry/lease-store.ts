/**
 * LeaseStore is the registry's storage, one atomic operation per method. RedisLeaseStore runs each
 * as a Lua script, so "take it if free", "extend it if still mine" and "write if still mine" are
 * single steps in Redis (no read-then-write race between instances).
 *
 * Keys (PREFIX defaults to "uprez:"): PREFIXlease:KEY holds "EPOCH {json owner}" with a TTL;
 * PREFIXepoch:KEY counts leases of KEY (the fencing token); PREFIXcont:KEY holds the continuity
 * record; PREFIXstreams is the set of keys that may be leased (list() prunes it). A single Redis
 * (or a primary with replicas / Sentinel): the scripts touch several keys, so Redis Cluster is not supported.
 */
import type { Redis } from 'ioredis';
import type { InstanceInfo, LeaseInfo } from './stream-registry.js';

/** The result of an acquire: the token (the exact stored value, compared on renew/release/save), or who holds it. */
export type AcquireOutcome =
  { readonly ok: true; readonly token: string; readonly info: LeaseInfo } | { readonly ok: false; readonly holder: LeaseInfo | null };

/** A renew's outcome: still ours, someone else's now, or gone (expired). */
export type RenewOutcome = 'ok' | 'taken' | 'expired';

/** LeaseStore is what leases and the registry need from storage; every method may reject when it is unreachable. */
export interface LeaseStore {
  acquire(key: string, owner: InstanceInfo, ttlMs: number): Promise<AcquireOutcome>;
  renew(key: string, token: string, ttlMs: number): Promise<RenewOutcome>;
  release(key: string, token: string): Promise<boolean>;
  list(): Promise<LeaseInfo[]>;
  /** saveFenced writes the continuity record only while `token` is still the key's lease. */
  saveFenced(key: string, token: string, record: string, ttlMs: number): Promise<boolean>;
  load(key: string): Promise<string | null>;
}

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local val = epoch .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], val, 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return {1, val}`;

const RENEW = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if cur then return 2 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;

const LIST = `
local out = {}
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', ARGV[1] .. k)
  if v then
    table.insert(out, k)
    table.insert(out, v)
  else
    redis.call('SREM', KEYS[1], k)
  end
end
return out`;

const SAVE_FENCED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`;

/** Epoch counters outlive any lease by far (a week), so a key's fencing token never goes back while an old owner could still act. */
const EPOCH_TTL_MS = 7 * 24 * 3600 * 1000;

/** parseLeaseValue reads "EPOCH {json}" back into a LeaseInfo, or null when it is not one of ours. */
export function parseLeaseValue(key: string, value: string): LeaseInfo | null {
  const space = value.indexOf(' ');
  const epoch = Number(value.slice(0, space));
  if (space < 1 || !Number.isSafeInteger(epoch)) return null;
  try {
    const o = JSON.parse(value.slice(space + 1)) as { id?: unknown; url?: unknown; since?: unknown };
    if (typeof o.id !== 'string' || typeof o.url !== 'string' || typeof o.since !== 'number') return null;
    return { key, owner: { id: o.id, url: o.url }, epoch, since: o.since };
  } catch {
    return null;
  }
}

/** RedisLeaseStore implements LeaseStore on an ioredis client. */
export class RedisLeaseStore implements LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'uprez:',
  ) {}

  private k(kind: string, key: string): string {
    return `${this.prefix}${kind}:${key}`;
  }

  async acquire(key: string, owner: InstanceInfo, ttlMs: number): Promise<AcquireOutcome> {
    const payload = JSON.stringify({ id: owner.id, url: owner.url, since: Date.now() });
    const r = (await this.redis.eval(
      ACQUIRE,
      3,
      this.k('lease', key),
      this.k('epoch', key),
      `${this.prefix}streams`,
      payload,
      ttlMs,
      key,
      EPOCH_TTL_MS,
    )) as [number, string];
    const info = parseLeaseValue(key, r[1]);
    if (r[0] === 1 && info) return { ok: true, token: r[1], info };
    return { ok: false, holder: info };
  }

  async renew(key: string, token: string, ttlMs: number): Promise<RenewOutcome> {
    const r = (await this.redis.eval(RENEW, 1, this.k('lease', key), token, ttlMs)) as number;
    return r === 1 ? 'ok' : r === 2 ? 'taken' : 'expired';
  }

  async release(key: string, token: string): Promise<boolean> {
    return ((await this.redis.eval(RELEASE, 2, this.k('lease', key), `${this.prefix}streams`, token, key)) as number) === 1;
  }

  async list(): Promise<LeaseInfo[]> {
    const flat = (await this.redis.eval(LIST, 1, `${this.prefix}streams`, `${this.prefix}lease:`)) as string[];
    const out: LeaseInfo[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const info = parseLeaseValue(flat[i] as string, flat[i + 1] as string);
      if (info) out.push(info);
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async saveFenced(key: string, token: string, record: string, ttlMs: number): Promise<boolean> {
    return ((await this.redis.eval(SAVE_FENCED, 2, this.k('lease', key), this.k('cont', key), token, record, ttlMs)) as number) === 1;
  }

  load(key: string): Promise<string | null> {
    return this.redis.get(this.k('cont', key));
  }
}

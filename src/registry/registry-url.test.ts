import { expect, test } from 'vitest';
import { parseRegistryUrl } from './registry-url.js';

test.each([
  ['redis://redis:6379', { host: 'redis', port: 6379, db: 0, tls: false }],
  ['redis://10.0.0.7', { host: '10.0.0.7', port: 6379, db: 0, tls: false }],
  ['rediss://cache.example.com:6380/3', { host: 'cache.example.com', port: 6380, db: 3, tls: true }],
  ['redis://[::1]:7000/', { host: '::1', port: 7000, db: 0, tls: false }],
])('%s', (raw, want) => {
  expect(parseRegistryUrl(raw, '--registry')).toMatchObject({ ...want, username: undefined, password: undefined, display: raw });
});

test('a password in the URL is passed on, never displayed', () => {
  const t = parseRegistryUrl('redis://default:s3cr%2Ft@redis:6379/1', 'UPREZ_REGISTRY');
  expect([t.username, t.password]).toEqual(['default', 's3cr/t']);
  expect(t.display).toBe('redis://***@redis:6379/1');
  const only = parseRegistryUrl('redis://:pw@redis', 'UPREZ_REGISTRY');
  expect([only.username, only.password, only.display]).toEqual([undefined, 'pw', 'redis://***@redis']);
});

test.each([
  ['http://redis:6379', /redis:\/\/ or rediss:\/\//],
  ['redis:6379', /needs a host/],
  ['localhost:6379', /redis:\/\/ or rediss:\/\//],
  ['redis://redis:6379/zero', /database must be a number/],
  ['redis://redis:6379/0?timeout=1', /query or fragment/],
  [
    'redis://:hunter2@redis:6379/x',
    /^UPREZ_REGISTRY database must be a number, as in redis:\/\/host:6379\/0 \(redis:\/\/\*\*\*@redis:6379\/x\)$/,
  ],
])('%s is refused', (raw, why) => {
  expect(() => parseRegistryUrl(raw, 'UPREZ_REGISTRY')).toThrow(why);
});

import { expect, test } from 'vitest';
import { parseServeConfig, serveHelp } from './serve-config.js';

test('without --hls-origin and --registry nothing changes: both off, a 5 s lease TTL', () => {
  expect(parseServeConfig([], {})).toMatchObject({ hlsOrigin: '', registry: '', advertiseUrl: '', leaseTtlSeconds: 5 });
});

test('flags and UPREZ_* variables, flags winning', () => {
  const env = { UPREZ_HLS_ORIGIN: 'http://origin:8080/hls/', UPREZ_REGISTRY: 'redis://redis:6379', UPREZ_LEASE_TTL_S: '8' };
  expect(parseServeConfig([], env)).toMatchObject({
    hlsOrigin: 'http://origin:8080/hls/',
    registry: 'redis://redis:6379',
    leaseTtlSeconds: 8,
  });
  const cfg = parseServeConfig(
    [
      '--hls-origin',
      'https://up:pw@cdn.example/ingest',
      '--registry=rediss://:pw@cache:6380/2',
      '--advertise-url',
      'http://10.0.0.5:8000/',
    ],
    env,
  );
  expect(cfg).toMatchObject({
    hlsOrigin: 'https://up:pw@cdn.example/ingest',
    registry: 'rediss://:pw@cache:6380/2',
    advertiseUrl: 'http://10.0.0.5:8000',
  });
});

test.each([
  [['--hls-origin', 'ftp://origin/hls'], /^--hls-origin must be an http:\/\/ or https:\/\/ URL/],
  [['--registry', 'http://redis:6379'], /^--registry must be a redis:\/\/ or rediss:\/\/ URL/],
  [['--advertise-url', 'ftp://x'], /^--advertise-url must be an http:\/\/ or https:\/\/ URL/],
  [['--lease-ttl-s', '1'], /^--lease-ttl-s must be from 2 to 300/],
])('%j is refused, naming the flag', (argv, why) => {
  expect(() => parseServeConfig(argv, {})).toThrow(why);
});

test('a refused URL never echoes its password', () => {
  expect(() => parseServeConfig([], { UPREZ_REGISTRY: 'redis://:hunter2@redis:6379/x' })).toThrow(
    /^UPREZ_REGISTRY .*redis:\/\/\*\*\*@redis:6379\/x/,
  );
  expect(() => parseServeConfig([], { UPREZ_HLS_ORIGIN: 'http://u:hunter2@origin/hls?x' })).not.toThrow(/hunter2/);
});

test('serve --help lists the flags', () => {
  const help = serveHelp();
  for (const flag of ['--hls-origin', '--registry', '--advertise-url', '--lease-ttl-s']) expect(help).toContain(flag);
});

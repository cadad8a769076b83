import { expect, test } from 'vitest';
import { advertiseUrl, firstExternalIPv4, newInstanceId } from './instance.js';

test('instance ids: host name plus a random suffix, unique per call', () => {
  const a = newInstanceId('uprez-7d9f-abc');
  const b = newInstanceId('uprez-7d9f-abc');
  expect(a).toMatch(/^uprez-7d9f-abc-[0-9a-f]{6}$/);
  expect(a).not.toBe(b);
  expect(newInstanceId('we ird/host')).toMatch(/^we-ird-host-[0-9a-f]{6}$/);
});

test('the first external IPv4 address is advertised by default', () => {
  const lo = { address: '127.0.0.1', family: 'IPv4', internal: true } as const;
  const v6 = { address: 'fe80::1', family: 'IPv6', internal: false } as const;
  const eth = { address: '10.1.2.3', family: 'IPv4', internal: false } as const;
  const base = { netmask: '', mac: '', cidr: null };
  expect(
    firstExternalIPv4({
      lo: [{ ...base, ...lo }],
      eth0: [
        { ...base, ...v6, scopeid: 0 },
        { ...base, ...eth },
      ],
    }),
  ).toBe('10.1.2.3');
  expect(firstExternalIPv4({ lo: [{ ...base, ...lo }] })).toBeUndefined();
  expect(advertiseUrl('', 8000)).toMatch(/^http:\/\/[^/]+:8000$/);
});

test.each([
  ['http://10.0.0.5:8000/', 'http://10.0.0.5:8000'],
  ['https://uprez-1.example.com', 'https://uprez-1.example.com'],
])('advertiseUrl(%s)', (raw, want) => {
  expect(advertiseUrl(raw, 8000)).toBe(want);
});

test.each(['ftp://x', 'http://user:pw@x', 'x:8000', 'nonsense'])('advertiseUrl refuses %s', (raw) => {
  expect(() => advertiseUrl(raw, 8000)).toThrow(/--advertise-url/);
});

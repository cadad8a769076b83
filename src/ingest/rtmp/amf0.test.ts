import { describe, expect, test } from 'vitest';
import { Amf0Error, decodeAmf0, encodeAmf0, type Amf0Value } from './amf0.js';

describe('AMF0', () => {
  test.each<[string, Amf0Value[]]>([
    ['a connect command', ['connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', objectEncoding: 0, flashVer: 'FMLE/3.0' }]],
    ['a publish command', ['publish', 5, null, 'cam?exp=1&sig=ab', 'live']],
    ['booleans, undefined and nested objects', [true, false, undefined, { a: { b: { c: [1, 'x', null] } } }]],
    ['an empty string and an empty object', ['', {}]],
    ['a 60 kB string', ['y'.repeat(60_000)]],
  ])('round-trips %s', (_name, values) => {
    expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
  });

  test('reads ECMA arrays, typed objects, dates and strict arrays as clients send them', () => {
    const ecma = Buffer.concat([
      Buffer.from([0x08, 0, 0, 0, 1, 0, 1]),
      Buffer.from('w'),
      Buffer.from([0x00]),
      Buffer.alloc(8),
      Buffer.from([0, 0, 9]),
    ]);
    expect(decodeAmf0(ecma)).toEqual([{ w: 0 }]);
    const date = Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(8), Buffer.from([0, 0])]);
    expect(decodeAmf0(date)).toEqual([0]);
    const typed = Buffer.concat([Buffer.from([0x10, 0, 1]), Buffer.from('C'), Buffer.from([0, 0, 9])]);
    expect(decodeAmf0(typed)).toEqual([{}]);
  });

  test('a long string (> 64 KiB) is encoded as one, and refused on decoding: commands are small', () => {
    const bytes = encodeAmf0('y'.repeat(70_000));
    expect(bytes[0]).toBe(0x0c);
    expect(() => decodeAmf0(bytes)).toThrow(/exceeds/);
  });

  test('a member named __proto__ is data, not a prototype', () => {
    const obj = decodeAmf0(encodeAmf0(JSON.parse('{"__proto__": {"polluted": true}}') as Amf0Value))[0] as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(obj)).toBeNull();
  });

  test.each<[string, Buffer]>([
    ['a truncated number', Buffer.from([0x00, 1, 2])],
    ['a string longer than its payload', Buffer.from([0x02, 0x10, 0x00, 65])],
    ['an unknown marker', Buffer.from([0x42])],
    ['an AMF3 switch', Buffer.from([0x11, 0x01])],
    ['an object without its end marker', Buffer.from([0x03, 0, 1, 0x61, 0x05])],
    ['nesting 20 levels deep', Buffer.concat([...Array(20).fill(Buffer.from([0x0a, 0, 0, 0, 1])), Buffer.from([0x05])])],
    ['a strict array claiming a billion items', Buffer.from([0x0a, 0x40, 0, 0, 0])],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decodeAmf0(bytes)).toThrow(Amf0Error);
  });
});

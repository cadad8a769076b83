import { expect, test } from 'vitest';
import { parseDirectives } from './hls-directives.js';

test.each([
  ['', { ok: true, msn: null, part: null }],
  ['_HLS_msn=12', { ok: true, msn: 12, part: null }],
  ['_HLS_msn=12&_HLS_part=3', { ok: true, msn: 12, part: 3 }],
  ['_HLS_msn=0&_HLS_part=0&x=1', { ok: true, msn: 0, part: 0 }],
  ['_HLS_skip=YES', { ok: true, msn: null, part: null }],
  ['cachebust=123', { ok: true, msn: null, part: null }],
])('accepts %j', (q, want) => expect(parseDirectives(q)).toEqual(want));

test.each([
  ['_HLS_part=3', /needs _HLS_msn/],
  ['_HLS_msn=-1', /decimal integer/],
  ['_HLS_msn=1.5', /decimal integer/],
  ['_HLS_msn=0x10', /decimal integer/],
  ['_HLS_msn=', /decimal integer/],
  ['_HLS_msn=99999999999999', /decimal integer/],
  ['_HLS_msn=1&_HLS_msn=2', /given 2 times/],
  ['_HLS_msn=1&_HLS_part=%20', /decimal integer/],
])('refuses %j', (q, reason) => {
  const r = parseDirectives(q);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
});

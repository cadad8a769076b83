import { describe, expect, test } from 'vitest';
import { formatDegradeSpec, parseDegradeSpec } from './degrade-spec.js';

describe('parseDegradeSpec', () => {
  test.each([
    ['h264:28', 28],
    ['h264:0', 0],
    ['h264:51', 51],
  ])('%s', (text, crf) => {
    const spec = parseDegradeSpec(text);
    expect(spec).toEqual({ codec: 'h264', crf });
    expect(formatDegradeSpec(spec)).toBe(text);
  });

  test.each(['h264:52', 'h264:', 'h264:-1', 'h264:2.5', 'hevc:28', '28', 'h264:28 ', 'H264:28'])('rejects %j', (text) => {
    expect(() => parseDegradeSpec(text)).toThrow(/--degrade must be h264:CRF/);
  });
});

import { describe, expect, test } from 'vitest';
import { buildDecoderArgs } from './decoder-args.js';

describe('decoder seek (resuming a file job)', () => {
  test('-ss goes before -i (an accurate input seek), with microsecond precision', () => {
    const args = buildDecoderArgs({ input: '/in.mp4', hasAudio: true, seekSeconds: 6.006 });
    expect(args[args.indexOf('-ss') + 1]).toBe('6.006000');
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
  });
  test('no seek at 0 or when absent; a negative or NaN seek is refused', () => {
    expect(buildDecoderArgs({ input: '/in.mp4', hasAudio: false, seekSeconds: 0 })).not.toContain('-ss');
    expect(buildDecoderArgs({ input: '/in.mp4', hasAudio: false })).not.toContain('-ss');
    expect(() => buildDecoderArgs({ input: '/in.mp4', hasAudio: false, seekSeconds: -1 })).toThrow(RangeError);
    expect(() => buildDecoderArgs({ input: '/in.mp4', hasAudio: false, seekSeconds: Number.NaN })).toThrow(RangeError);
  });
});

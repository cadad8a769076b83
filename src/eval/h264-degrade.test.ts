import { describe, expect, test } from 'vitest';
import { h264DecodeArgs, h264EncodeArgs } from './h264-degrade.js';

describe('h264 degrade ffmpeg arguments', () => {
  test.each([
    [{ input: '/t/a.yuv', output: '/t/a.264', width: 58, height: 86, crf: 28 }, ['-s', '58x86'], ['-crf', '28']],
    [{ input: '/t/b c.yuv', output: '/t/b.264', width: 2, height: 2, crf: 0 }, ['-i', '/t/b c.yuv'], ['-crf', '0']],
  ])('encode %j', (o, a, b) => {
    const args = h264EncodeArgs(o);
    const has = (pair: string[]) => args.some((v, i) => v === pair[0] && args[i + 1] === pair[1]);
    expect(has(a)).toBe(true);
    expect(has(b)).toBe(true);
    expect(has(['-c:v', 'libx264'])).toBe(true);
    expect(has(['-frames:v', '1'])).toBe(true);
    // Raw input comes before -i; the output file is last.
    expect(args.indexOf('rawvideo')).toBeLessThan(args.indexOf('-i'));
    expect(args.at(-1)).toBe(o.output);
  });

  test('decode reads raw H.264 and writes raw yuv420p, output last', () => {
    const args = h264DecodeArgs({ input: '/t/a.264', output: '/t/d.yuv' });
    expect(args.slice(args.indexOf('-i') - 2, args.indexOf('-i') + 2)).toEqual(['-f', 'h264', '-i', '/t/a.264']);
    expect(args.slice(-5)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '/t/d.yuv']);
  });
});

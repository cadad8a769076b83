import { describe, expect, test } from 'vitest';
import { parseOutputStreams, parsePsnrY } from './x264-ladder-parse.js';

describe('x264 ladder benchmark stderr parsing', () => {
  test('per-stream frames and bytes of output file 0', () => {
    const lines = [
      'Output file #0 (out.nut):',
      '  Output stream #0:0 (video): 20 frames encoded; 20 packets muxed (55703 bytes); ',
      '  Output stream #0:1 (video): 20 frames encoded; 20 packets muxed (20967 bytes); ',
      '  Total: 40 packets (76670 bytes) muxed',
      'bench: utime=0.038s stime=0.003s rtime=0.048s',
    ];
    expect(parseOutputStreams(lines)).toEqual([
      { frames: 20, bytes: 55703 },
      { frames: 20, bytes: 20967 },
    ]);
    expect(parseOutputStreams(['  Output stream #1:0 (video): 3 frames encoded; 3 packets muxed (9 bytes); '])).toEqual([]);
  });

  test('luma PSNR of the summary line; inf; null without one', () => {
    expect(
      parsePsnrY(['[Parsed_psnr_0 @ 0x55] PSNR y:32.309678 u:32.741800 v:32.521208 average:32.413882 min:31.791901 max:40.153417']),
    ).toBeCloseTo(32.309678, 6);
    expect(parsePsnrY(['[Parsed_psnr_0 @ 0x55] PSNR y:inf u:inf v:inf average:inf min:inf max:inf'])).toBe(Infinity);
    expect(parsePsnrY(['no summary'])).toBeNull();
  });
});

import { describe, expect, test } from 'vitest';
import { StderrLines, ffmpegLineLevel } from './stderr-lines.js';

describe('StderrLines', () => {
  test('joins lines split across chunks and accepts \\n, \\r\\n and \\r', () => {
    const s = new StderrLines();
    expect(s.push('abc')).toEqual([]);
    expect(s.push('def\nghi\r')).toEqual(['abcdef', 'ghi']);
    expect(s.push('\njkl\r\nmno')).toEqual(['jkl']);
    expect(s.end()).toEqual(['mno']);
    expect(s.tail()).toEqual(['abcdef', 'ghi', 'jkl', 'mno']);
  });

  test('keeps only the last `capacity` lines', () => {
    const s = new StderrLines(3);
    s.push('1\n2\n3\n4\n5\n');
    expect(s.tail()).toEqual(['3', '4', '5']);
  });

  test('a UTF-8 character split across chunks survives', () => {
    const s = new StderrLines();
    const bytes = Buffer.from('é\n');
    expect(s.push(bytes.subarray(0, 1))).toEqual([]);
    expect(s.push(bytes.subarray(1))).toEqual(['é']);
  });

  test('an endless line is capped, not buffered forever', () => {
    const s = new StderrLines();
    s.push('x'.repeat(10_000));
    expect(s.push('\n')[0]?.length).toBe(2000);
  });
});

describe('ffmpegLineLevel', () => {
  test.each([
    ["[hls @ 0x55] [info] Opening 'a.ts' for writing", 'debug'],
    ['[info] Stream mapping:', 'debug'],
    ['[yuv4mpegpipe @ 0x5] [warning] Thread message queue blocking', 'warn'],
    ['[error] pipe:3: Broken pipe', 'warn'],
    ['[fatal] Error opening input files', 'warn'],
    ['Input #0, mov,mp4 from x.mp4', 'debug'],
    ['x.mp4: No such file or directory', 'warn'],
    ['Conversion failed!', 'warn'],
    ['[s16le @ 0x55] [warning] Estimating duration from bitrate, this may be inaccurate', 'debug'],
  ] as const)('%s -> %s', (line, level) => {
    expect(ffmpegLineLevel(line)).toBe(level);
  });
});

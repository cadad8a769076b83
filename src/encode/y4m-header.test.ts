import { describe, expect, test } from 'vitest';
import { parseY4mHeader } from '../decode/y4m-parser.js';
import { y4mStreamHeader } from './y4m-header.js';

describe('y4mStreamHeader', () => {
  test.each([[{ width: 640, height: 360, fpsNum: 25, fpsDen: 1 }], [{ width: 1281, height: 721, fpsNum: 30000, fpsDen: 1001 }]])(
    'round-trips through the parser: %o',
    (info) => {
      const text = y4mStreamHeader(info);
      expect(text.endsWith('\n')).toBe(true);
      expect(parseY4mHeader(text.trimEnd())).toMatchObject({ ...info, colorspace: '420mpeg2', interlace: 'p' });
    },
  );

  test('refuses a size or rate that is not a positive integer', () => {
    expect(() => y4mStreamHeader({ width: 640.5, height: 360, fpsNum: 25, fpsDen: 1 })).toThrow(/width/);
    expect(() => y4mStreamHeader({ width: 640, height: 360, fpsNum: 0, fpsDen: 1 })).toThrow(/fpsNum/);
  });
});

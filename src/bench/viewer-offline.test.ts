import { describe, expect, test } from 'vitest';
import { fileArgs } from './viewer-offline.js';

describe('offline reference', () => {
  test('`uprez file` of the publisher clip, x2, with the live model or bicubic, on the same provider', () => {
    expect(fileArgs('/b/main.js', '/t/p.flv', '/t/o', 'uprez-x2-fast', 'cpu')).toEqual([
      '/b/main.js',
      'file',
      '/t/p.flv',
      '--out',
      '/t/o',
      '--scale',
      '2',
      '--model',
      'uprez-x2-fast',
      '--provider',
      'cpu',
    ]);
    expect(fileArgs('/b/main.js', '/t/p.flv', '/t/o', 'bicubic', 'auto')).toContain('bicubic');
  });
});

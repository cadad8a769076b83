import { describe, expect, test } from 'vitest';
import { clipArgs, metricValue, publishArgs } from './live-harness.js';

describe('Prometheus text reading', () => {
  const text = [
    '# HELP uprez_frames_total frames',
    'uprez_frames_total{stream="a",path="model"} 10',
    'uprez_frames_total{stream="a",path="bicubic"} 5',
    'uprez_frames_total{stream="b",path="model"} 7',
    'uprez_frames_total_other{stream="a",path="model"} 99',
    'uprez_streams_active 2',
  ].join('\n');

  test('sums the samples whose labels match', () => {
    expect(metricValue(text, 'uprez_frames_total', { stream: 'a', path: 'model' })).toBe(10);
    expect(metricValue(text, 'uprez_frames_total', { stream: 'a' })).toBe(15);
    expect(metricValue(text, 'uprez_frames_total', {})).toBe(22);
    expect(metricValue(text, 'uprez_streams_active', {})).toBe(2);
    expect(metricValue(text, 'uprez_frames_total', { stream: 'zz' })).toBe(0);
  });
});

describe('publisher arguments', () => {
  test('the clip is H.264/AAC FLV of the asked length; publishing is real time without re-encoding', () => {
    const c = clipArgs(640, 360, 60, '/tmp/c.flv');
    expect(c).toContain('testsrc2=size=640x360:rate=30');
    expect(c.slice(c.indexOf('-t'), c.indexOf('-t') + 2)).toEqual(['-t', '60']);
    expect(c.slice(-3)).toEqual(['-f', 'flv', '/tmp/c.flv']);
    expect(publishArgs('/tmp/c.flv', 'rtmp://h/live/k')).toEqual([
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-re',
      '-i',
      '/tmp/c.flv',
      '-c',
      'copy',
      '-f',
      'flv',
      'rtmp://h/live/k',
    ]);
  });
});

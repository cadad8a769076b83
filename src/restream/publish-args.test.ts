import { describe, expect, test } from 'vitest';
import { redactUrl } from '../jobs/restream-job.js';
import { ingestPublishUrl, parseProgressSeconds, publishArgs } from './publish-args.js';

describe('restream publish arguments', () => {
  test('real time, H.264/AAC copied, FLV to the URL', () => {
    const args = publishArgs({
      input: '/in/a.mp4',
      url: 'rtmp://127.0.0.1:1935/live/k',
      hasAudio: true,
      copyVideo: true,
      copyAudio: true,
      gop: 50,
    });
    expect(args.join(' ')).toContain('-re -i file:/in/a.mp4 -map 0:v:0 -map 0:a:0 -c:v copy -c:a copy -f flv rtmp://127.0.0.1:1935/live/k');
    expect(args.indexOf('-re')).toBeLessThan(args.indexOf('-i'));
  });
  test('other codecs are re-encoded (H.264 veryfast with a 2 s GOP, AAC); no audio, no audio map', () => {
    const args = publishArgs({
      input: '/in/a.mkv',
      url: 'rtmps://h/live/k',
      hasAudio: false,
      copyVideo: false,
      copyAudio: false,
      gop: 59.94,
    });
    expect(args.join(' ')).toContain('-c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p -g 60');
    expect(args).not.toContain('0:a:0');
    expect(() => publishArgs({ input: '/a', url: 'http://h/x', hasAudio: false, copyVideo: true, copyAudio: true, gop: 1 })).toThrow(
      RangeError,
    );
  });
  test('progress: the last whole out_time_us line', () => {
    expect(parseProgressSeconds('frame=10\nout_time_us=400000\nprogress=continue\nout_time_us=1500000\n')).toBe(1.5);
    expect(parseProgressSeconds('frame=10\n')).toBeNull();
  });
  test('publish URL with and without a signature; push URLs are shown without their key', () => {
    expect(ingestPublishUrl('rtmp://127.0.0.1:1935/live/', 'k')).toBe('rtmp://127.0.0.1:1935/live/k');
    expect(ingestPublishUrl('rtmp://h/live', 'k', { exp: '5', sig: 'ab' })).toBe('rtmp://h/live/k?exp=5&sig=ab');
    expect(redactUrl('rtmp://a.example:1935/live/secret-key?x=1')).toBe('rtmp://a.example:1935/live/***');
    expect(redactUrl('not a url')).toBe('***');
  });
});

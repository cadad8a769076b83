import { describe, expect, test } from 'vitest';
import { maskUrl, redactorFor } from './redact.js';

describe('redaction', () => {
  test.each([
    ['rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl', 'rtmp://a.rtmp.youtube.com/live2/***'],
    ['rtmps://user:pw@live.example.com:443/app/key?x=1', 'rtmps://live.example.com:443/app/***'],
    ['rtmp://127.0.0.1:1935/live/cam?exp=1&sig=ab12', 'rtmp://127.0.0.1:1935/live/***'],
    ['https://cdn.example.com/a.mp4?token=s3cr3t', 'https://cdn.example.com/***'],
  ])('maskUrl(%s)', (url, want) => {
    expect(maskUrl(url)).toBe(want);
  });

  test('stderr and command lines lose the secret URL, plain file paths and secret-free URLs stay', () => {
    const r = redactorFor(['rtmp://a.rtmp.youtube.com/live2/abcd-efgh', '/data/in.mp4', 'http://example.com/clip.mp4']);
    expect(r("[info] Output #1, flv, to 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh':")).toBe(
      "[info] Output #1, flv, to 'rtmp://a.rtmp.youtube.com/live2/***':",
    );
    expect(r('-i /data/in.mp4 -i http://example.com/clip.mp4')).toBe('-i /data/in.mp4 -i http://example.com/clip.mp4');
  });
});

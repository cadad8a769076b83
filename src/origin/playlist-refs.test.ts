import { describe, expect, test } from 'vitest';
import { isSafeRelPath, playlistDeps, playlistRefs, resolveRef } from './playlist-refs.js';

const LL_MEDIA = `#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:2
#EXT-X-PART-INF:PART-TARGET=0.5
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.000,
e3_00041.m4s
#EXT-X-PART:DURATION=0.5,URI="e3_00042.0.m4s",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.5,URI="e3_00042.1.m4s"
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="e3_00042.2.m4s"
#EXT-X-RENDITION-REPORT:URI="../360p/index.m3u8",LAST-MSN=42,LAST-PART=1
`;

const MASTER = `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1280x720,AUDIO="a"
720p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="720p/iframes.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1000000
360p/index.m3u8?v=2
`;

describe('playlistRefs', () => {
  test('a low-latency media playlist: map, segments, parts; not the preload hint nor rendition reports', () => {
    expect(playlistRefs(LL_MEDIA)).toEqual(['init.mp4', 'e3_00041.m4s', 'e3_00042.0.m4s', 'e3_00042.1.m4s']);
  });

  test('a master playlist: renditions, variants and I-frame playlists', () => {
    expect(playlistRefs(MASTER)).toEqual(['audio/index.m3u8', '720p/index.m3u8', '720p/iframes.m3u8', '360p/index.m3u8?v=2']);
  });

  test('CRLF and repeats', () => {
    expect(playlistRefs('#EXTM3U\r\n#EXTINF:2,\r\na.ts\r\n#EXTINF:2,\r\na.ts\r\n')).toEqual(['a.ts']);
  });
});

describe('resolveRef and playlistDeps', () => {
  test.each([
    ['720p/index.m3u8', 'seg.ts', '720p/seg.ts'],
    ['720p/index.m3u8', '../360p/index.m3u8', '360p/index.m3u8'],
    ['720p/index.m3u8', './x/../seg.ts', '720p/seg.ts'],
    ['master.m3u8', '360p/index.m3u8?v=2', '360p/index.m3u8'],
    ['master.m3u8', '../other/index.m3u8', null],
    ['master.m3u8', 'https://cdn/x.ts', null],
    ['master.m3u8', '/abs/x.ts', null],
    ['master.m3u8', '.hidden', null],
    ['a/b.m3u8', '?only-query', null],
  ])('%s lists %s: %s', (playlist, uri, want) => {
    expect(resolveRef(playlist, uri)).toBe(want);
  });

  test('deps of the master, relative to the stream root', () => {
    expect(playlistDeps('master.m3u8', MASTER)).toEqual(['audio/index.m3u8', '720p/index.m3u8', '720p/iframes.m3u8', '360p/index.m3u8']);
    expect(playlistDeps('720p/index.m3u8', LL_MEDIA)).toEqual([
      '720p/init.mp4',
      '720p/e3_00041.m4s',
      '720p/e3_00042.0.m4s',
      '720p/e3_00042.1.m4s',
    ]);
  });

  test.each([
    ['720p/seg_00042.ts', true],
    ['master.m3u8', true],
    ['a/b/c/d/e/f/g/h.ts', true],
    ['a/b/c/d/e/f/g/h/i.ts', false],
    ['../x.ts', false],
    ['x/../y.ts', false],
    ['/x.ts', false],
    ['x//y.ts', false],
    ['x\\y.ts', false],
    ['.x.ts', false],
    ['x y.ts', false],
    ['', false],
  ])('isSafeRelPath(%j) = %s', (rel, ok) => {
    expect(isSafeRelPath(rel)).toBe(ok);
  });
});

import { describe, expect, test } from 'vitest';
import { buildLadder } from '../encode/ladder.js';
import { parseMediaPlaylist } from './media-playlist.js';
import { vodMasterPlaylist, vodMediaPlaylist, webVttForHls } from './vod-playlists.js';

describe('VOD playlists', () => {
  test('media playlist: VOD type, ENDLIST, exact durations, target duration covers the longest', () => {
    const text = vodMediaPlaylist([
      { uri: 'seg_00000.ts', duration: 2.002 },
      { uri: 'seg_00001.ts', duration: 0.5 },
    ]);
    const p = parseMediaPlaylist(text);
    expect(p.playlistType).toBe('VOD');
    expect(p.endList).toBe(true);
    expect(p.targetDuration).toBe(2);
    expect(p.segments.map((s) => [s.uri, s.duration, s.sequence])).toEqual([
      ['seg_00000.ts', 2.002, 0],
      ['seg_00001.ts', 0.5, 1],
    ]);
    expect(parseMediaPlaylist(vodMediaPlaylist([{ uri: 'a.ts', duration: 2.6 }])).targetDuration).toBe(3);
  });
  test('media playlist refuses empty lists and unsafe URIs', () => {
    expect(() => vodMediaPlaylist([])).toThrow(RangeError);
    expect(() => vodMediaPlaylist([{ uri: '../x.ts', duration: 1 }])).toThrow(/unsafe/);
    expect(() => vodMediaPlaylist([{ uri: 'a.ts\n#EXT-X-ENDLIST', duration: 1 }])).toThrow(/unsafe/);
  });
  test('master playlist: every rung with BANDWIDTH, RESOLUTION, CODECS; subtitles as a group', () => {
    const rungs = buildLadder({ width: 1920, height: 1080, fpsNum: 25, fpsDen: 1 }, 4, true, [2160]);
    expect(rungs.map((r) => r.name)).toEqual(['4320p', '2160p', '1080p']);
    const text = vodMasterPlaylist(rungs, 25, [{ name: 'English', language: 'en', uri: 'subtitles/s0/index.m3u8' }]);
    const inf = [...text.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)];
    expect(inf.map((m) => m[2])).toEqual(['4320p/index.m3u8', '2160p/index.m3u8', '1080p/index.m3u8']);
    for (const [, attrs] of inf) {
      expect(attrs).toMatch(
        /^BANDWIDTH=\d+,RESOLUTION=\d+x\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",FRAME-RATE=25\.000,SUBTITLES="subs"$/,
      );
    }
    expect(text).toContain('RESOLUTION=3840x2160');
    expect(text).toContain(
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="subtitles/s0/index.m3u8"',
    );
    expect(vodMasterPlaylist(rungs, 25)).not.toContain('SUBTITLES');
  });
  test('WebVTT gets an X-TIMESTAMP-MAP after its header line', () => {
    expect(webVttForHls('WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n', 126000)).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n00:00.000 --> 00:01.000\nhi\n',
    );
    expect(() => webVttForHls('1\n00:00:00,000 --> 00:00:01,000\n', 0)).toThrow(/WEBVTT/);
  });
});

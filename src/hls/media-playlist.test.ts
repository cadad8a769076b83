import { describe, expect, test } from 'vitest';
import { parseMediaPlaylist } from './media-playlist.js';

// Written by ffmpeg 5.1's hls muxer (live window, after segments 0-2 were deleted).
const LIVE = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
seg_00003.ts
#EXTINF:2.000000,
seg_00004.ts
#EXTINF:1.520000,
seg_00005.ts
`;

describe('parseMediaPlaylist', () => {
  test('a live window numbers segments from the media sequence', () => {
    const p = parseMediaPlaylist(LIVE);
    expect(p).toMatchObject({ targetDuration: 2, mediaSequence: 3, playlistType: null, endList: false });
    expect(p.segments).toEqual([
      { uri: 'seg_00003.ts', duration: 2, sequence: 3 },
      { uri: 'seg_00004.ts', duration: 2, sequence: 4 },
      { uri: 'seg_00005.ts', duration: 1.52, sequence: 5 },
    ]);
  });

  test.each([
    ['with a final newline', '#EXT-X-ENDLIST\n'],
    ['without one', '#EXT-X-ENDLIST'],
    ['with CRLF', '#EXT-X-ENDLIST\r\n'],
  ])('ENDLIST is seen %s', (_n, tail) => {
    const text = '#EXTM3U\r\n#EXT-X-PLAYLIST-TYPE:EVENT\r\n#EXTINF:2.0,\r\na.ts\r\n' + tail;
    const p = parseMediaPlaylist(text);
    expect(p.endList).toBe(true);
    expect(p.playlistType).toBe('EVENT');
    expect(p.segments.map((s) => s.uri)).toEqual(['a.ts']);
  });

  test('an empty or partial playlist has no segments', () => {
    expect(parseMediaPlaylist('').segments).toEqual([]);
    expect(parseMediaPlaylist('#EXTM3U\n#EXTINF:2.0,\n').segments).toEqual([]);
  });
});

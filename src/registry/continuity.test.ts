import { describe, expect, test } from 'vitest';
import { continuationOf, isMasterPlaylist, parseContinuity, renditionFromPlaylist, type ContinuityState } from './continuity.js';

const TS = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:40
#EXT-X-DISCONTINUITY-SEQUENCE:2
#EXTINF:2.000,
e5_00040.ts
#EXT-X-DISCONTINUITY
#EXTINF:1.960,
e6_00000.ts
#EXTINF:2.000,
e6_00001.ts
`;

const FMP4 = `#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:9
#EXT-X-MAP:URI="e1_init.mp4"
#EXTINF:2.0,
e1_00009.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="e2_init.mp4"
#EXTINF:2.0,
e2_00000.m4s
#EXT-X-PART:DURATION=0.5,URI="e2_00001.0.m4s"
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="e2_00001.1.m4s"
#EXT-X-ENDLIST
`;

describe('renditionFromPlaylist', () => {
  test('a TS playlist: window, sequence numbers, discontinuities', () => {
    expect(renditionFromPlaylist('720p/index.m3u8', TS)).toEqual({
      playlist: '720p/index.m3u8',
      targetDuration: 2,
      mediaSequence: 40,
      discontinuitySequence: 2,
      endList: false,
      segments: [
        { uri: 'e5_00040.ts', duration: 2, discontinuity: false, map: null },
        { uri: 'e6_00000.ts', duration: 1.96, discontinuity: true, map: null },
        { uri: 'e6_00001.ts', duration: 2, discontinuity: false, map: null },
      ],
    });
  });

  test('an fMP4 low-latency playlist: the map in force per segment; parts and hints are not segments', () => {
    const r = renditionFromPlaylist('v/index.m3u8', FMP4);
    expect(r?.segments).toEqual([
      { uri: 'e1_00009.m4s', duration: 2, discontinuity: false, map: 'e1_init.mp4' },
      { uri: 'e2_00000.m4s', duration: 2, discontinuity: true, map: 'e2_init.mp4' },
    ]);
    expect(r?.endList).toBe(true);
  });

  test('a master playlist is not a rendition', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n';
    expect(isMasterPlaylist(master)).toBe(true);
    expect(renditionFromPlaylist('master.m3u8', master)).toBeNull();
  });
});

describe('continuationOf', () => {
  test('a successor continues with the same numbers, the carried window, then a discontinuity', () => {
    const prev = renditionFromPlaylist('720p/index.m3u8', TS);
    if (!prev) throw new Error('no rendition');
    const c = continuationOf(prev);
    expect(c).toMatchObject({ mediaSequence: 40, discontinuitySequence: 2, nextSequence: 43, targetDuration: 2 });
    expect(c.carriedFiles).toEqual(['720p/e5_00040.ts', '720p/e6_00000.ts', '720p/e6_00001.ts']);
    const successor = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:2',
      `#EXT-X-MEDIA-SEQUENCE:${c.mediaSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${c.discontinuitySequence}`,
      ...c.carriedLines,
      '#EXTINF:2.000,',
      'e9_00000.ts',
      '',
    ].join('\n');
    const back = renditionFromPlaylist('720p/index.m3u8', successor);
    expect(back?.mediaSequence).toBe(40);
    expect(back?.discontinuitySequence).toBe(2);
    expect(back?.segments.map((s) => [s.uri, s.discontinuity])).toEqual([
      ['e5_00040.ts', false],
      ['e6_00000.ts', true],
      ['e6_00001.ts', false],
      ['e9_00000.ts', true],
    ]);
  });

  test('maps are re-emitted where they change; an empty window carries nothing', () => {
    const prev = renditionFromPlaylist('v/index.m3u8', FMP4);
    if (!prev) throw new Error('no rendition');
    expect(continuationOf(prev).carriedLines).toEqual([
      '#EXT-X-MAP:URI="e1_init.mp4"',
      '#EXTINF:2.000,',
      'e1_00009.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="e2_init.mp4"',
      '#EXTINF:2.000,',
      'e2_00000.m4s',
      '#EXT-X-DISCONTINUITY',
    ]);
    const empty = renditionFromPlaylist('v/index.m3u8', '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:5\n');
    expect(empty && continuationOf(empty)).toMatchObject({ mediaSequence: 5, nextSequence: 5, carriedLines: [] });
  });
});

describe('parseContinuity', () => {
  const good: ContinuityState = {
    v: 1,
    key: 'cam1',
    epoch: 3,
    instance: 'i1',
    updatedAt: 1_700_000_000_000,
    master: '#EXTM3U\n',
    renditions: {
      '720p/index.m3u8': renditionFromPlaylist('720p/index.m3u8', TS) as NonNullable<ReturnType<typeof renditionFromPlaylist>>,
    },
    retired: ['720p/e5_00039.ts'],
  };

  test('round trip', () => {
    expect(parseContinuity(JSON.stringify(good), 'cam1')).toEqual(good);
  });

  test.each([
    ['not json', '{'],
    ['another key', JSON.stringify({ ...good, key: 'cam2' })],
    ['another version', JSON.stringify({ ...good, v: 2 })],
    ['a negative epoch', JSON.stringify({ ...good, epoch: -1 })],
    ['a rendition under another name', JSON.stringify({ ...good, renditions: { 'x.m3u8': good.renditions['720p/index.m3u8'] } })],
    [
      'a segment URI that would inject a playlist line',
      JSON.stringify({
        ...good,
        renditions: {
          '720p/index.m3u8': {
            ...good.renditions['720p/index.m3u8'],
            segments: [{ uri: 'a.ts\n#EXT-X-ENDLIST', duration: 2, discontinuity: false, map: null }],
          },
        },
      }),
    ],
    ['a retired path leaving the stream', JSON.stringify({ ...good, retired: ['../other/x.ts'] })],
    ['no retired list', JSON.stringify({ ...good, retired: undefined })],
  ])('refuses %s', (_what, json) => {
    expect(() => parseContinuity(json, 'cam1')).toThrow(expect.objectContaining({ code: 'REGISTRY_BAD_RECORD' }));
  });
});

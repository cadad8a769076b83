import HLS from 'hls-parser';
import { describe, expect, test } from 'vitest';
import type { MediaPlaylistModel, SegmentEntry } from './playlist-model.js';
import { renderMasterPlaylist, renderMediaPlaylist, seconds } from './playlist-render.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 600);

function seg(msn: number, over: Partial<SegmentEntry> = {}): SegmentEntry {
  return { msn, uri: `r0000000aa_${msn}.ts`, duration: 2, programDateTime: T0 + msn * 2000, discontinuity: false, bytes: 1000, ...over };
}

function strict(text: string): ReturnType<typeof HLS.parse> {
  HLS.setOptions({ strictMode: true, silent: true });
  return HLS.parse(text);
}

describe('renderMediaPlaylist (classic)', () => {
  const base: MediaPlaylistModel = {
    targetDuration: 2,
    mediaSequence: 7,
    discontinuitySequence: 0,
    segments: [seg(7), seg(8), seg(9, { duration: 1.96 })],
    endList: false,
  };

  test('a live window: no PLAYLIST-TYPE, MEDIA-SEQUENCE, DISCONTINUITY-SEQUENCE, a PROGRAM-DATE-TIME per segment', () => {
    expect(renderMediaPlaylist(base)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:7',
        '#EXT-X-DISCONTINUITY-SEQUENCE:0',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:19.600Z',
        '#EXTINF:2,',
        'r0000000aa_7.ts',
        '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:21.600Z',
        '#EXTINF:2,',
        'r0000000aa_8.ts',
        '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:23.600Z',
        '#EXTINF:1.96,',
        'r0000000aa_9.ts',
        '',
      ].join('\n'),
    );
    const p = strict(renderMediaPlaylist(base)) as HLS.types.MediaPlaylist;
    expect(p.segments.map((s) => s.mediaSequenceNumber)).toEqual([7, 8, 9]);
    expect(p.endlist).toBe(false);
  });

  test('a discontinuity that slid out is counted in DISCONTINUITY-SEQUENCE; one still listed keeps its tag', () => {
    const m: MediaPlaylistModel = { ...base, discontinuitySequence: 2, segments: [seg(7), seg(8, { discontinuity: true }), seg(9)] };
    const p = strict(renderMediaPlaylist(m)) as HLS.types.MediaPlaylist;
    expect(p.segments.map((s) => [Boolean(s.discontinuity), s.discontinuitySequence])).toEqual([
      [false, 2],
      [true, 3],
      [false, 3],
    ]);
  });

  test('ENDLIST ends it', () => {
    const text = renderMediaPlaylist({ ...base, endList: true });
    expect(text.endsWith('r0000000aa_9.ts\n#EXT-X-ENDLIST\n')).toBe(true);
    expect((strict(text) as HLS.types.MediaPlaylist).endlist).toBe(true);
  });

  test.each([
    ['a segment longer than the target duration (rounded)', { segments: [seg(7, { duration: 2.5 })] }, /more than the target duration/],
    ['a target duration of 0', { targetDuration: 0 }, /whole number >= 1/],
    ['a URI with a quote in a MAP', { segments: [seg(7, { map: 'a"b' })] }, /quotes/],
  ])('refuses %s', (_n, over, err) => {
    expect(() => renderMediaPlaylist({ ...base, ...over })).toThrow(err);
  });

  test('a segment of 2.49 s still fits a target duration of 2 (RFC 8216 rounds to the nearest second)', () => {
    expect(() => strict(renderMediaPlaylist({ ...base, segments: [seg(7, { duration: 2.49 })] }))).not.toThrow();
  });
});

describe('renderMediaPlaylist (LL-HLS)', () => {
  const part = (k: number, independent = false) => ({ uri: `r0000000aa_p${k}.m4s`, duration: 0.24, independent });
  const parts = (from: number) => [
    part(from, true),
    ...[1, 2, 3, 4, 5, 6, 7].map((i) => part(from + i)),
    { ...part(from + 8), duration: 0.08 },
  ];
  const ll = (over: Partial<MediaPlaylistModel> = {}): MediaPlaylistModel => ({
    targetDuration: 2,
    mediaSequence: 10,
    discontinuitySequence: 0,
    segments: [10, 11, 12, 13].map((n) => seg(n, { uri: `r0000000aa_${n}.m4s`, map: 'r0000000aa_i1.mp4', parts: parts(n * 9) })),
    lowLatency: {
      partTarget: 0.24,
      partHoldBack: 0.72,
      pending: { parts: [part(126, true), part(127)], programDateTime: T0 + 28_000, discontinuity: false, map: 'r0000000aa_i1.mp4' },
      preloadHint: 'r0000000aa_p128.m4s',
      partSegments: 2,
    },
    endList: false,
    ...over,
  });

  test('parts for the last two segments and the pending one, a preload hint for the next part, one MAP', () => {
    const text = renderMediaPlaylist(ll());
    expect(text).toContain(
      '#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.72\n#EXT-X-PART-INF:PART-TARGET=0.24\n',
    );
    expect(text.match(/#EXT-X-MAP/g)).toHaveLength(1);
    expect(text.match(/#EXT-X-PART:/g)).toHaveLength(9 + 9 + 2);
    expect(text).toContain('#EXT-X-PART:DURATION=0.24,URI="r0000000aa_p108.m4s",INDEPENDENT=YES\n');
    expect(
      text.endsWith('#EXT-X-PART:DURATION=0.24,URI="r0000000aa_p127.m4s"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="r0000000aa_p128.m4s"\n'),
    ).toBe(true);
    const p = strict(text) as HLS.types.MediaPlaylist;
    // hls-parser lists the preload hint as a last, hinted part of the pending segment.
    expect(p.segments.map((s) => s.parts.length)).toEqual([0, 0, 9, 9, 3]);
    expect(p.segments[4]?.parts.map((x) => [x.uri, Boolean(x.hint)])).toEqual([
      ['r0000000aa_p126.m4s', false],
      ['r0000000aa_p127.m4s', false],
      ['r0000000aa_p128.m4s', true],
    ]);
    expect(p.prefetchSegments).toEqual([]);
  });

  test('a new init section after a reconnect gets its own MAP after the DISCONTINUITY', () => {
    const m = ll();
    const segments = [
      ...m.segments.slice(0, 3),
      seg(13, { uri: 'r0000000aa_13.m4s', map: 'r0000000aa_i2.mp4', discontinuity: true, parts: parts(117) }),
    ];
    const text = renderMediaPlaylist({
      ...m,
      segments,
      lowLatency: {
        ...(m.lowLatency as NonNullable<MediaPlaylistModel['lowLatency']>),
        pending: {
          ...(m.lowLatency?.pending as NonNullable<NonNullable<MediaPlaylistModel['lowLatency']>['pending']>),
          map: 'r0000000aa_i2.mp4',
        },
      },
    });
    expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="r0000000aa_i2.mp4"\n#EXT-X-PROGRAM-DATE-TIME');
    const p = strict(text) as HLS.types.MediaPlaylist;
    // (hls-parser does not carry the MAP over to the pending segment's parts; the text above is what players read.)
    expect(p.segments.slice(0, 4).map((s) => s.map?.uri)).toEqual([
      'r0000000aa_i1.mp4',
      'r0000000aa_i1.mp4',
      'r0000000aa_i1.mp4',
      'r0000000aa_i2.mp4',
    ]);
  });

  test('an ended LL playlist lists no parts and no hint', () => {
    const text = renderMediaPlaylist(ll({ endList: true }));
    expect(text).not.toMatch(/#EXT-X-PART:|PRELOAD-HINT/);
    expect((strict(text) as HLS.types.MediaPlaylist).endlist).toBe(true);
  });

  test('right after a segment completed (no pending part yet) the hint still points at the next part', () => {
    const m = ll();
    const text = renderMediaPlaylist({
      ...m,
      lowLatency: { ...(m.lowLatency as NonNullable<MediaPlaylistModel['lowLatency']>), pending: null },
    });
    expect(text.endsWith('r0000000aa_13.m4s\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="r0000000aa_p128.m4s"\n')).toBe(true);
    strict(text);
  });
});

describe('renderMasterPlaylist', () => {
  test('BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION and FRAME-RATE per variant', () => {
    const text = renderMasterPlaylist([
      {
        uri: '720p/index.m3u8',
        bandwidth: 3_600_000,
        averageBandwidth: 2_500_000,
        codecs: ['avc1.64001f', 'mp4a.40.2'],
        width: 1280,
        height: 720,
        frameRate: 25,
      },
      {
        uri: '360p/index.m3u8',
        bandwidth: 1_200_000,
        averageBandwidth: 1_300_000,
        codecs: ['avc1.64001e', 'mp4a.40.2'],
        width: 640,
        height: 360,
        frameRate: 30000 / 1001,
      },
    ]);
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=3600000,AVERAGE-BANDWIDTH=2500000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000',
        '720p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=1200000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970',
        '360p/index.m3u8',
        '',
      ].join('\n'),
    );
    const p = strict(text) as HLS.types.MasterPlaylist;
    expect(p.variants.map((v) => [v.bandwidth, v.averageBandwidth, v.frameRate])).toEqual([
      [3_600_000, 2_500_000, 25],
      [1_200_000, 1_200_000, 29.97],
    ]);
  });
});

test.each([
  [2, '2'],
  [1.96, '1.96'],
  [0.24, '0.24'],
  [1 / 3, '0.33333'],
  [0, '0'],
])('seconds(%s) is %s', (x, s) => expect(seconds(x)).toBe(s));

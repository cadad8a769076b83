import { describe, expect, test } from 'vitest';
import type { MediaPlaylistModel } from './playlist-model.js';
import { blockingDecision, readPosition } from './playlist-position.js';
import { renderMediaPlaylist } from './playlist-render.js';

// Segments 10-12 complete (9 parts each, parts listed for 11 and 12), segment 13 pending with 2 parts.
const part = (k: number) => ({ uri: `r_p${k}.m4s`, duration: 0.24, independent: k % 9 === 0 });
const model = (over: Partial<MediaPlaylistModel> = {}): MediaPlaylistModel => ({
  targetDuration: 2,
  mediaSequence: 10,
  discontinuitySequence: 0,
  segments: [10, 11, 12].map((n) => ({
    msn: n,
    uri: `r_${n}.m4s`,
    duration: 2,
    programDateTime: 0,
    discontinuity: false,
    map: 'i.mp4',
    bytes: 1,
    parts: [...Array(9).keys()].map((i) => part(n * 9 + i)),
  })),
  lowLatency: {
    partTarget: 0.24,
    partHoldBack: 0.72,
    pending: { parts: [part(117), part(118)], programDateTime: 0, discontinuity: false, map: 'i.mp4' },
    preloadHint: 'r_p119.m4s',
    partSegments: 2,
  },
  endList: false,
  ...over,
});

describe('readPosition', () => {
  test('reads the last segment, the parts listed per segment and the hint', () => {
    const p = readPosition(renderMediaPlaylist(model()));
    expect(p).toMatchObject({
      canBlock: true,
      ended: false,
      targetDuration: 2,
      partTarget: 0.24,
      lastSegment: 12,
      preloadHint: 'r_p119.m4s',
    });
    expect([...p.parts]).toEqual([
      [11, 9],
      [12, 9],
      [13, 2],
    ]);
  });

  test('a classic playlist cannot block', () => {
    const p = readPosition('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n');
    expect(p).toMatchObject({ canBlock: false, lastSegment: 5, partTarget: null });
  });
});

describe('blockingDecision (RFC 8216bis 6.2.5.2)', () => {
  const live = readPosition(renderMediaPlaylist(model()));
  test.each([
    ['a listed segment', 12, null, 'ready'],
    ['the pending segment, whole', 13, null, 'wait'],
    ['a listed part of the pending segment', 13, 1, 'ready'],
    ['the next part (the hinted one)', 13, 2, 'wait'],
    ['part 0 of the segment after the pending one', 14, 0, 'wait'],
    ['a part of a finished segment', 12, 8, 'ready'],
    ['past the last part of a finished segment: part 0 of the next, which exists', 11, 9, 'ready'],
    ['past the last part of the newest finished segment: part 0 of the pending one, which exists', 12, 9, 'ready'],
    ['an old segment no longer listed with parts', 10, 5, 'ready'],
    ['the last segment + 2', 14, null, 'wait'],
    ['beyond the last segment + 2', 15, null, 'too-far'],
    ['12 parts ahead (9 a segment): within the Advance Part Limit (3 / 0.24 = 12.5)', 14, 4, 'wait'],
    ['13 parts ahead: beyond it', 14, 5, 'too-far'],
  ])('%s: msn %s part %s is %s', (_n, msn, part, want) => {
    expect(blockingDecision(live, msn as number, part as number | null)).toBe(want);
  });

  test('once the playlist has ended every request is answered at once (directives ignored)', () => {
    const ended = readPosition(renderMediaPlaylist(model({ endList: true })));
    expect(blockingDecision(ended, 99, 3)).toBe('ready');
  });

  test('the pending segment gains its next part: ready', () => {
    const m = model();
    const next = readPosition(
      renderMediaPlaylist({
        ...m,
        lowLatency: {
          ...(m.lowLatency as NonNullable<MediaPlaylistModel['lowLatency']>),
          pending: { parts: [part(117), part(118), part(119)], programDateTime: 0, discontinuity: false, map: 'i.mp4' },
        },
      }),
    );
    expect(blockingDecision(next, 13, 2)).toBe('ready');
  });
});

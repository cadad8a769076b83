// Unit tests of the player's pure modules (player/stream-sync.js, player/util.js): plain ESM the
// browser loads as-is, imported here directly.
import { describe, expect, test } from 'vitest';
import {
  DEADBAND_S,
  edgeAlignedTarget,
  followerTarget,
  fragmentsOf,
  IN_SYNC_S,
  isAtLiveEdge,
  isInSync,
  liveLatency,
  publisherDelay,
  MAX_RATE_NUDGE,
  pickCompareRungs,
  positionAt,
  presentedTime,
  STALE_FRAME_S,
  FRAME_STEP_CAP_S,
  SEEK_THRESHOLD_S,
  syncAction,
  timeOf,
} from '../../player/stream-sync.js';
import { denoiseText, fallbackText, formatDuration, ladderText, uptimeSeconds } from '../../player/util.js';

/** frags builds a playlist window of 2 s segments numbered from `firstSn`, the first starting at `start`. */
const frags = (firstSn: number, start: number, n = 5) =>
  Array.from({ length: n }, (_, i) => ({ sn: firstSn + i, start: start + i * 2, duration: 2 }));

describe('mapping a time between renditions by segment number', () => {
  test('positionAt finds the segment and the offset into it', () => {
    const f = frags(10, 100);
    expect(positionAt(f, 100)).toEqual({ sn: 10, offset: 0 });
    expect(positionAt(f, 103.5)).toEqual({ sn: 11, offset: 1.5 });
    expect(positionAt(f, 109.9)?.sn).toBe(14);
    expect(positionAt(f, 99)).toBeNull();
    expect(positionAt(f, 120)).toBeNull();
    expect(positionAt([{ sn: 'initSegment', start: 0, duration: 0 }, ...f], 101)).toEqual({ sn: 10, offset: 1 });
  });

  test('two players that joined at different moments have different timelines; the same frame is found in both', () => {
    const leader = frags(10, 100); // joined early: segment 10 at t=100
    const follower = frags(12, 0); // joined two segments later: segment 12 at t=0
    expect(followerTarget(leader, 104.75, follower)).toBeCloseTo(0.75, 9); // sn 12 + 0.75 s
    expect(followerTarget(leader, 101, follower)).toBeNull(); // sn 10 is not in the follower's window
    expect(timeOf(follower, { sn: 13, offset: 5 })).toBe(4); // offsets clamp to the segment
  });

  test('edgeAlignedTarget keeps the same distance behind each live edge (native HLS fallback)', () => {
    expect(edgeAlignedTarget(50, 56, 30)).toBe(24);
  });
});

describe('syncAction', () => {
  test.each([
    [0, { seek: false, rate: 1 }],
    [DEADBAND_S / 2, { seek: false, rate: 1 }],
    [0.03, { seek: false, rate: 0.94 }], // ahead: slow down
    [-0.03, { seek: false, rate: 1.06 }], // behind: speed up
    [0.2, { seek: false, rate: 1 - MAX_RATE_NUDGE }],
    [-0.2, { seek: false, rate: 1 + MAX_RATE_NUDGE }],
    [SEEK_THRESHOLD_S + 0.01, { seek: true, rate: 1 }],
    [-5, { seek: true, rate: 1 }],
    [Number.NaN, { seek: false, rate: 1 }],
  ])('drift %s s -> %j', (drift, action) => expect(syncAction(drift)).toEqual(action));
});

describe('isInSync', () => {
  test('a drift under about a frame with no seek in flight counts; 0.09 s does not (it can show frames 3 apart)', () => {
    expect(isInSync(0, false)).toBe(true);
    expect(isInSync(-0.04, false)).toBe(true);
    expect(isInSync(IN_SYNC_S, false)).toBe(false);
    expect(isInSync(0.09, false)).toBe(false);
    expect(isInSync(-0.09, false)).toBe(false);
    expect(isInSync(0, true)).toBe(false); // seeking: currentTime is the target, the old frame still shows
    expect(isInSync(Number.NaN, false)).toBe(false);
  });
});

describe('live edge', () => {
  test('latency is the distance to the edge, never negative, null when unknown', () => {
    expect(liveLatency(10, 16.5)).toBe(6.5);
    expect(liveLatency(17, 16.5)).toBe(0);
    expect(liveLatency(10, null)).toBeNull();
    expect(liveLatency(Number.NaN, 3)).toBeNull();
    // The badge's delay: wall clock minus the PROGRAM-DATE-TIME of the frame on screen.
    expect(publisherDelay(new Date(10_000), 11_400)).toBeCloseTo(1.4, 9);
    expect(publisherDelay(new Date(10_000), 9_000)).toBe(0);
    expect(publisherDelay(null, 1)).toBeNull();
    expect(publisherDelay(new Date(Number.NaN), 1)).toBeNull();
  });
  test.each([
    [6, 6, 2, true],
    [8, 6, 2, true],
    [8.5, 6, 2, false],
    [null, 6, 2, false],
  ])('latency %s with target %s and %s s segments: at the edge %s', (l, t, s, r) => expect(isAtLiveEdge(l, t, s)).toBe(r));
});

describe('pickCompareRungs', () => {
  const r = (w: number, h: number) => ({ name: `${h}p`, width: w, height: h, bandwidth: w * 1000, playlist: `/hls/k/${h}p/index.m3u8` });
  test('the largest is the AI rung, the one at the input size the source rung', () => {
    const picked = pickCompareRungs({
      key: 'k',
      model: 'm',
      input: { width: 640, height: 360 },
      renditions: [r(960, 540), r(1280, 720), r(640, 360)],
    });
    expect([picked?.ai.height, picked?.source.height]).toEqual([720, 360]);
  });
  test('without an input size the smallest is the source; one rendition is not enough', () => {
    expect(pickCompareRungs({ key: 'k', model: null, input: null, renditions: [r(640, 360), r(1280, 720)] })?.source.height).toBe(360);
    expect(pickCompareRungs({ key: 'k', model: null, input: null, renditions: [r(640, 360)] })).toBeNull();
  });
});

describe('util', () => {
  test.each([
    [0, '0 s'],
    [59.9, '59 s'],
    [65, '1 min 05 s'],
    [7620, '2 h 07 min'],
  ])('formatDuration(%s) = %s', (s, text) => expect(formatDuration(s)).toBe(text));
  test('denoiseText: the level, auto with what it measured or fixed, null without a family', () => {
    const auto = { mode: 'auto' as const, level: 2, wanted: 3, bitsPerPixel: 0.0213, crfEquivalent: 32.6, switches: 1 };
    expect(denoiseText({ denoise: auto })).toBe('level 2 (medium) · auto: 0.021 bits/px ≈ CRF 33 (asks for 3: nearest member runs)');
    expect(denoiseText({ denoise: { ...auto, level: 0, wanted: 0, bitsPerPixel: 0.41, crfEquivalent: 16.4 } })).toBe(
      'level 0 (clean) · auto: 0.410 bits/px ≈ CRF 16',
    );
    expect(denoiseText({ denoise: { ...auto, level: 0, wanted: null, bitsPerPixel: null, crfEquivalent: null } })).toBe(
      'level 0 (clean) · auto: measuring the ingest',
    );
    expect(denoiseText({ denoise: { ...auto, mode: 'fixed', level: 1, wanted: 1 } })).toBe('level 1 (light) · fixed (--denoise 1)');
    expect(denoiseText({ denoise: null })).toBeNull();
    expect(denoiseText({})).toBeNull();
  });

  test('ladderText: the fallback model and its share of the frames, or null without one', () => {
    expect(
      ladderText({ fallbackModel: 'uprez-x2-tiny', frames: { out: 200, byModel: { 'uprez-x2-fast': 40, 'uprez-x2-tiny': 160 } } }),
    ).toBe('uprez-x2-tiny · 80% of frames');
    expect(ladderText({ fallbackModel: 'uprez-x2-tiny', frames: { out: 0, byModel: {} } })).toBe('uprez-x2-tiny · 0% of frames');
    expect(ladderText({ fallbackModel: null, frames: { out: 10 } })).toBeNull();
  });

  test('fallbackText lists non-zero reasons, largest first', () => {
    expect(fallbackText({ queue_full: 4, predicted_late: 8, model_error: 0 })).toBe('predicted late 8 · queue full 4');
    expect(fallbackText({ queue_full: 0 })).toBe('none');
  });
  test('uptime runs to now while live and stops at the end', () => {
    expect(uptimeSeconds({ startedAt: 1000, endedAt: null }, 61_000)).toBe(60);
    expect(uptimeSeconds({ startedAt: 1000, endedAt: 11_000 }, 61_000)).toBe(10);
  });
});

describe('fragmentsOf', () => {
  test('adds the LL-HLS segment being written (hls.js fragmentHint) after the listed ones, so the live edge can be synced', () => {
    const details = {
      fragments: [
        { sn: 10, start: 20, duration: 2 },
        { sn: 11, start: 22, duration: 2 },
      ],
      fragmentHint: { sn: 12, start: 24, duration: 0.72 },
    };
    const frags = fragmentsOf(details);
    expect(frags.map((f) => f.sn)).toEqual([10, 11, 12]);
    // A playhead in the pending segment maps to the same segment of the other rendition.
    const other = fragmentsOf({ fragments: [{ sn: 11, start: 3, duration: 2 }], fragmentHint: { sn: 12, start: 5, duration: 0.48 } });
    expect(followerTarget(frags, 24.3, other)).toBeCloseTo(5.3, 9);
    expect(fragmentsOf(null)).toEqual([]);
    expect(fragmentsOf({ fragments: [{ sn: 1, start: 0, duration: 2 }] }).map((f) => f.sn)).toEqual([1]);
  });
});

describe('presentedTime: the media time of the frame on screen', () => {
  const playing = { currentTime: 10.3, paused: false, seeking: false, playbackRate: 1 };
  test('no frame reported yet, or a seek in flight: currentTime', () => {
    expect(presentedTime(undefined, playing, 1000)).toBe(10.3);
    expect(presentedTime({ mediaTime: 10, at: 1000 }, { ...playing, seeking: true }, 1000)).toBe(10.3);
  });
  test('a decoder behind the clock: the reported frame, not currentTime', () => {
    expect(presentedTime({ mediaTime: 10, at: 1000 }, playing, 1000)).toBe(10);
  });
  test('between frames it moves on at the playback rate, capped at about a frame', () => {
    expect(presentedTime({ mediaTime: 10, at: 1000 }, playing, 1020)).toBeCloseTo(10.02, 9);
    expect(presentedTime({ mediaTime: 10, at: 1000 }, { ...playing, playbackRate: 0.9 }, 1020)).toBeCloseTo(10.018, 9);
    expect(presentedTime({ mediaTime: 10, at: 1000 }, playing, 1300)).toBeCloseTo(10 + FRAME_STEP_CAP_S, 9);
  });
  test('paused: the frame shown, however old the report', () => {
    expect(presentedTime({ mediaTime: 10, at: 1000 }, { ...playing, paused: true }, 60_000)).toBe(10);
  });
  test('playing with no frame for longer than STALE_FRAME_S: currentTime', () => {
    expect(presentedTime({ mediaTime: 10, at: 1000 }, playing, 1000 + STALE_FRAME_S * 1000 + 1)).toBe(10.3);
  });
});

// Pure helpers of the comparison view: map a playback time in one rendition to the time that shows
// the same frame in another, and decide how to correct a drift. Plain ESM with JSDoc types, so the
// page needs no build step and the unit tests (src/http/player-sync.test.ts) import it directly.

/**
 * @typedef {{ sn: number | string, start: number, duration: number }} Fragment
 *   what hls.js's LevelDetails.fragments hold (sn is "initSegment" for an init segment)
 * @typedef {{ sn: number, offset: number }} StreamPosition
 *   a segment's media sequence number and the time since that segment's first frame
 * @typedef {{ seek: boolean, rate: number }} SyncAction
 * @typedef {{ name: string, width: number, height: number, bandwidth: number, playlist: string }} Rendition
 * @typedef {{ key: string, input: { width: number, height: number } | null, model: string | null, renditions: Rendition[] }} CompareStream
 */

/** Drifts above this are corrected by a seek; below it by a slightly faster or slower playback. */
export const SEEK_THRESHOLD_S = 0.3;
/** Drifts below this (about half a frame at 25 fps) are left alone. */
export const DEADBAND_S = 0.02;
/** The playback rate stays within 1 ± this while catching up, so the nudge is not seen. */
export const MAX_RATE_NUDGE = 0.1;
/**
 * The view reports "in sync" below this drift (about a frame at 25 fps), not at the 0.1 s it
 * promises: currentTime and the frame on screen can each be a frame apart, so a drift just under
 * 0.1 s can show frames 3 apart (120 ms at 25 fps).
 */
export const IN_SYNC_S = 0.05;

/**
 * positionAt finds the segment that contains time `t` and how far into it `t` is. Every rendition
 * of an uprez stream is cut by one encoder at the same frames, so a sequence number names the
 * same frames in every rendition, whatever each player's own timeline is.
 * @param {readonly Fragment[]} fragments
 * @param {number} t
 * @returns {StreamPosition | null}
 */
export function positionAt(fragments, t) {
  /** @type {Fragment | null} */
  let hit = null;
  for (const f of fragments) {
    if (typeof f.sn !== 'number') continue;
    if (f.start <= t + 1e-3) hit = f;
    else break;
  }
  if (hit === null || t > hit.start + hit.duration + 0.5) return null;
  return { sn: /** @type {number} */ (hit.sn), offset: Math.max(0, t - hit.start) };
}

/**
 * fragmentsOf lists a rendition's segments from hls.js's LevelDetails, with the segment still
 * being written at the end of an LL-HLS playlist (hls.js keeps it apart, as `fragmentHint`): at
 * the live edge of an LL-HLS stream the playhead is usually in it.
 * @param {{ fragments?: readonly Fragment[], fragmentHint?: Fragment } | null | undefined} details
 * @returns {Fragment[]}
 */
export function fragmentsOf(details) {
  const list = [...(details?.fragments ?? [])];
  if (details?.fragmentHint) list.push(details.fragmentHint);
  return list;
}

/**
 * timeOf is the time in a rendition (given its fragments) that shows a stream position, or null
 * when that segment is not in its playlist window.
 * @param {readonly Fragment[]} fragments
 * @param {StreamPosition} pos
 * @returns {number | null}
 */
export function timeOf(fragments, pos) {
  const f = fragments.find((x) => x.sn === pos.sn);
  return f === undefined ? null : f.start + Math.min(pos.offset, f.duration);
}

/**
 * followerTarget maps the leader's current time to the follower's timeline by segment number.
 * @param {readonly Fragment[]} leaderFragments
 * @param {number} leaderTime
 * @param {readonly Fragment[]} followerFragments
 * @returns {number | null}
 */
export function followerTarget(leaderFragments, leaderTime, followerFragments) {
  const pos = positionAt(leaderFragments, leaderTime);
  return pos === null ? null : timeOf(followerFragments, pos);
}

/**
 * edgeAlignedTarget is the fallback without fragment lists (Safari's native HLS): the follower
 * stays as far behind its live edge as the leader is behind its own.
 * @param {number} leaderTime
 * @param {number} leaderEdge end of the leader's seekable range
 * @param {number} followerEdge end of the follower's seekable range
 * @returns {number}
 */
export function edgeAlignedTarget(leaderTime, leaderEdge, followerEdge) {
  return followerEdge - (leaderEdge - leaderTime);
}

/**
 * syncAction says how to correct `drift` (follower time minus its target, seconds): seek when far
 * off, otherwise play slightly slower (ahead) or faster (behind) until it is within the deadband.
 * @param {number} drift
 * @returns {SyncAction}
 */
export function syncAction(drift) {
  if (!Number.isFinite(drift)) return { seek: false, rate: 1 };
  if (Math.abs(drift) > SEEK_THRESHOLD_S) return { seek: true, rate: 1 };
  if (Math.abs(drift) <= DEADBAND_S) return { seek: false, rate: 1 };
  const nudge = Math.max(-MAX_RATE_NUDGE, Math.min(MAX_RATE_NUDGE, drift * 2));
  return { seek: false, rate: Math.round((1 - nudge) * 1000) / 1000 };
}

/**
 * isInSync says whether the follower counts as showing the leader's frame: a small drift, and no
 * seek in flight (during a seek currentTime already holds the target while the old frame shows).
 * @param {number} drift follower time minus its target, seconds
 * @param {boolean} seeking
 * @returns {boolean}
 */
export function isInSync(drift, seeking) {
  return !seeking && Number.isFinite(drift) && Math.abs(drift) < IN_SYNC_S;
}

/** A presented frame older than this (seconds) while playing says the video is not presenting. */
export const STALE_FRAME_S = 0.5;
/** Between two presented frames the estimate moves on by at most this (about a frame at 25 fps). */
export const FRAME_STEP_CAP_S = 0.04;

/**
 * presentedTime estimates the media time of the frame a video shows now, from the last frame
 * requestVideoFrameCallback reported. currentTime runs ahead of the picture when decoding lags (a
 * 640x360 video on a busy machine showed frames 6 apart from a 320x180 one whose currentTime was
 * in sync), so the comparison lines up what is on screen. Between frames the estimate advances at
 * the playback rate for at most FRAME_STEP_CAP_S, so the drift is not a staircase of whole frames.
 * Falls back to currentTime with no report, during a seek, or when the report is stale while
 * playing (not presenting at all: the player's stall handling applies).
 * @param {{ mediaTime: number, at: number } | undefined} shown the last report (at: performance.now() ms)
 * @param {{ currentTime: number, paused: boolean, seeking: boolean, playbackRate: number }} video
 * @param {number} now performance.now() ms
 * @returns {number}
 */
export function presentedTime(shown, video, now) {
  if (shown === undefined || video.seeking) return video.currentTime;
  if (video.paused) return shown.mediaTime;
  const since = Math.max(0, (now - shown.at) / 1000);
  if (since > STALE_FRAME_S) return video.currentTime;
  return shown.mediaTime + Math.min(FRAME_STEP_CAP_S, since * video.playbackRate);
}

/**
 * liveLatency is how far playback is behind the newest media the player knows of (seconds), or
 * null when unknown. hls.js measures it against the live playlist's edge (`hls.latency`); for
 * native HLS it is the end of the seekable range.
 * @param {number} currentTime
 * @param {number | null} edge
 * @returns {number | null}
 */
export function liveLatency(currentTime, edge) {
  if (edge === null || !Number.isFinite(edge) || !Number.isFinite(currentTime)) return null;
  return Math.max(0, edge - currentTime);
}

/**
 * publisherDelay is how far the frame on screen is behind its arrival at uprez (seconds): the
 * wall clock minus the frame's EXT-X-PROGRAM-DATE-TIME (hls.js `playingDate`), which uprez stamps
 * with the time the frame reached it. Null without a date; never below 0 (clocks of the viewer and
 * the server may differ a little).
 * @param {Date | null | undefined} playingDate
 * @param {number} now ms since the epoch
 * @returns {number | null}
 */
export function publisherDelay(playingDate, now) {
  if (!playingDate) return null;
  const t = playingDate.getTime();
  return Number.isFinite(t) ? Math.max(0, (now - t) / 1000) : null;
}

/**
 * isAtLiveEdge says whether playback counts as live: within the target latency plus one segment.
 * @param {number | null} latency
 * @param {number} targetLatency
 * @param {number} segmentDuration
 * @returns {boolean}
 */
export function isAtLiveEdge(latency, targetLatency, segmentDuration) {
  return latency !== null && latency <= targetLatency + segmentDuration;
}

/**
 * pickCompareRungs chooses the AI rung (the largest) and the source rung (the one at the input
 * size, else the smallest); null when the stream has fewer than two renditions yet.
 * @param {CompareStream} s
 * @returns {{ ai: Rendition, source: Rendition } | null}
 */
export function pickCompareRungs(s) {
  const byWidth = [...s.renditions].sort((a, b) => b.width - a.width);
  if (byWidth.length < 2) return null;
  const ai = /** @type {Rendition} */ (byWidth[0]);
  const atInput = s.input ? byWidth.find((r) => r.width === s.input?.width && r.height === s.input?.height) : undefined;
  const source = atInput ?? /** @type {Rendition} */ (byWidth[byWidth.length - 1]);
  return source === ai ? null : { ai, source };
}

// The player's live badge: how far the picture on screen is behind the publisher, and whether
// playback is at the live edge. Plain ESM with JSDoc types, no build step.
import { isAtLiveEdge, liveLatency, publisherDelay } from './stream-sync.js';

// Typed structurally (not with DOM types): the unit tests type-check this module without the DOM lib.
/**
 * @typedef {{ currentTime: number, seekable: { length: number, end(i: number): number } }} VideoLike
 * @typedef {{ dataset: Record<string, string | undefined>, textContent: string | null, title: string, disabled: boolean }} BadgeLike
 * @typedef {{ latency: number | null, delay: number | null, target: number, segment: number }} LiveMeasure
 *   latency: distance to the playlist's live edge (s); delay: behind the publisher, from
 *   PROGRAM-DATE-TIME (s); target: the player's target latency; segment: the segment length
 */

/**
 * measureLive reads the live position from hls.js (when playing through it) or from the video
 * element's seekable range (native HLS; `useSeekable` says whether that range is the stream's).
 * @param {any} hls an hls.js instance, or null
 * @param {VideoLike} video
 * @param {boolean} useSeekable
 * @returns {LiveMeasure}
 */
export function measureLive(hls, video, useSeekable) {
  /** @type {LiveMeasure} */
  const m = { latency: null, delay: null, target: 6, segment: 2 };
  if (hls !== null) {
    m.latency = hls.levels.length && Number.isFinite(hls.latency) && hls.latency > 0 ? hls.latency : null;
    if (Number.isFinite(hls.targetLatency)) m.target = hls.targetLatency;
    const details = hls.levels[hls.currentLevel]?.details;
    // One segment of slack (not one part): a busy viewer rebuffering after a jump still counts as live.
    if (details?.targetduration) m.segment = details.targetduration;
    if (details && !details.live) m.latency = null;
    else m.delay = publisherDelay(hls.playingDate, Date.now());
    return m;
  }
  if (video.seekable.length && useSeekable) m.latency = liveLatency(video.currentTime, video.seekable.end(video.seekable.length - 1));
  const date = /** @type {any} */ (video).getStartDate?.();
  if (m.latency !== null && date && Number.isFinite(date.getTime()))
    m.delay = publisherDelay(new Date(date.getTime() + video.currentTime * 1000), Date.now());
  return m;
}

/**
 * showLive renders the badge: "LIVE · 1.3 s" at the live edge, "7.4 s behind · go live" off it
 * (clickable when `interactive`). The delay shown is from PROGRAM-DATE-TIME when the stream has
 * dates, else the distance to the live edge. data-latency and data-delay carry the numbers.
 * @param {BadgeLike} badge
 * @param {LiveMeasure} m
 * @param {boolean} interactive
 */
export function showLive(badge, m, interactive) {
  const { latency, delay } = m;
  if (latency === null) {
    badge.dataset.live = 'unknown';
    badge.textContent = 'LIVE';
    badge.disabled = true;
    badge.title = 'No live position yet';
    delete badge.dataset.latency;
    delete badge.dataset.delay;
    return;
  }
  const atEdge = isAtLiveEdge(latency, m.target, m.segment);
  const shown = delay ?? latency;
  badge.dataset.live = String(atEdge);
  badge.dataset.latency = latency.toFixed(2);
  if (delay !== null) badge.dataset.delay = delay.toFixed(2);
  badge.textContent = atEdge ? `LIVE · ${shown.toFixed(1)} s` : `${shown.toFixed(1)} s behind · go live`;
  badge.title =
    (delay !== null
      ? `The picture is ${delay.toFixed(1)} s behind the publisher (from the stream's PROGRAM-DATE-TIME)`
      : `Playback is ${latency.toFixed(1)} s behind the newest segment`) + (atEdge ? '' : '; click to jump to the live edge');
  badge.disabled = atEdge || !interactive;
}

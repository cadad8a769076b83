// hls.js settings shared by the player and the comparison view (and used as they are by the
// browser tests). Plain ESM, no build step.

/**
 * PLAYER_HLS_CONFIG: LL-HLS streams (--hls-mode ll, the default) play in hls.js's low-latency mode
 * (parts, blocking playlist reloads, PART-HOLD-BACK behind the live edge). After a stall
 * hls.js moves its target half a second back (its default is a whole second), and the player
 * catches up by playing up to 1.25x until it is back at that distance. Classic streams play as
 * before (hls.js starts three target durations behind).
 */
export const PLAYER_HLS_CONFIG = Object.freeze({
  workerPath: '/player/vendor/hls.worker.js',
  backBufferLength: 30,
  lowLatencyMode: true,
  maxLiveSyncPlaybackRate: 1.25,
  liveSyncOnStallIncrease: 0.5,
});

/**
 * COMPARE_HLS_CONFIG: the same, but hls.js never changes the playback rate itself: the comparison
 * view moves the source video's rate to keep it on the AI video's frame.
 */
export const COMPARE_HLS_CONFIG = Object.freeze({ ...PLAYER_HLS_CONFIG, maxLiveSyncPlaybackRate: 1 });

/** A viewer who starts further than this behind the target latency (seconds) is moved up at once. */
export const JOIN_TOLERANCE_S = 0.5;

/**
 * joinLive makes a viewer join at the live edge: if, once playback starts, hls.js is more than
 * JOIN_TOLERANCE_S behind its target latency (a slow start on a busy machine or network: the
 * stream moved on while the first parts loaded), playback jumps to the live sync position once,
 * rather than taking many seconds of faster playback to get there. Later seeks back (the
 * viewer's own) are left alone. Returns a function that removes the listener.
 * @param {any} hls an hls.js instance attached to `video`
 * @param {HTMLVideoElement} video
 * @returns {() => void}
 */
export function joinLive(hls, video) {
  const onPlaying = () => {
    video.removeEventListener('playing', onPlaying);
    // (currentLevel may not be set yet when playback starts; the latest details are.)
    const details = hls.latestLevelDetails ?? hls.levels?.[hls.currentLevel]?.details;
    const pos = hls.liveSyncPosition;
    if (!details?.live || typeof pos !== 'number' || !Number.isFinite(pos)) return;
    if (hls.latency > hls.targetLatency + JOIN_TOLERANCE_S && pos > video.currentTime) video.currentTime = pos;
  };
  video.addEventListener('playing', onPlaying);
  return () => video.removeEventListener('playing', onPlaying);
}

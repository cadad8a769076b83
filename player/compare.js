// The comparison view: the AI rung and the source rung of one stream, the source scaled up by the
// browser to the same size, kept on the same frame. Shown as a split (a divider over one frame
// area) or side by side; "Freeze" pauses both on one frame, and zoom magnifies the same region
// of both. The AI video leads; the source video follows by segment number (stream-sync.js).
import { CompareControls } from './compare-controls.js';
import { COMPARE_HLS_CONFIG } from './hls-config.js';
import {
  edgeAlignedTarget,
  followerTarget,
  fragmentsOf,
  IN_SYNC_S,
  isInSync,
  pickCompareRungs,
  presentedTime,
  syncAction,
} from './stream-sync.js';
import { size } from './util.js';

const SYNC_INTERVAL_MS = 100;
const RETRY_MS = 2000;

/**
 * @typedef {import('./stream-sync.js').CompareStream} CompareStream
 * @typedef {{ onError(text: string): void, onStatus(text: string, tone?: string): void }} CompareHooks
 */

/** CompareView drives the #compare section of the player page. */
export class CompareView {
  /**
   * @param {any} Hls the hls.js class
   * @param {CompareHooks} hooks
   */
  constructor(Hls, hooks) {
    this.Hls = Hls;
    this.hooks = hooks;
    const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
    this.root = $('compare');
    this.bar = $('compare-bar');
    this.stage = $('compare-stage');
    this.divider = $('compare-divider');
    this.ai = /** @type {HTMLVideoElement} */ ($('compare-ai'));
    this.source = /** @type {HTMLVideoElement} */ ($('compare-source'));
    this.aiLabel = $('compare-ai-label');
    this.sourceLabel = $('compare-source-label');
    this.split = /** @type {HTMLInputElement} */ ($('compare-split'));
    this.freezeButton = /** @type {HTMLButtonElement} */ ($('compare-freeze'));
    this.zoomSelect = /** @type {HTMLSelectElement} */ ($('compare-zoom'));
    this.driftOut = $('compare-drift');
    this.message = $('compare-message');
    /** @type {any[]} */ this.players = [];
    /** @type {string | null} */ this.key = null;
    this.frozen = false;
    /** @type {ReturnType<typeof setInterval> | null} */ this.timer = null;
    /** @type {ReturnType<typeof setTimeout> | null} */ this.retry = null;
    /** @type {CompareStream | null} */ this.stream = null;
    /** @type {Map<HTMLVideoElement, { mediaTime: number, at: number }>} the last frame each video presented */
    this.shown = new Map();
    this.wire();
  }

  /** @private */
  wire() {
    // Split, layout and zoom are the shared controls; freezing is this view's own.
    this.controls = new CompareControls({
      bar: this.bar,
      stage: this.stage,
      divider: this.divider,
      split: this.split,
      zoomSelect: this.zoomSelect,
      media: () => [this.ai, this.source],
    });
    this.zoom = this.controls.zoom;
    this.freezeButton.addEventListener('click', () => (this.frozen ? this.resume() : this.freeze()));
    // The source follows the leader's stalls and seeks at once, not at the next sync tick: on a busy
    // machine the timer can be late by many frames while the source plays on past a stalled AI video.
    for (const type of ['waiting', 'pause', 'seeking', 'emptied']) this.ai.addEventListener(type, () => this.holdSource());
    for (const type of ['playing', 'seeked']) this.ai.addEventListener(type, () => this.timer !== null && this.syncStep());
  }

  /** @private the AI video stopped advancing: the source stops with it and the view is not in sync */
  holdSource() {
    if (this.timer === null) return;
    this.root.dataset.synced = 'false';
    if (!this.frozen && !this.source.paused) this.source.pause();
  }

  /**
   * open starts comparing a stream; false (with a message shown) when it has no two renditions yet.
   * @param {CompareStream} stream
   * @returns {boolean}
   */
  open(stream) {
    this.close();
    this.key = stream.key;
    this.stream = stream;
    this.root.hidden = false;
    this.bar.hidden = false;
    const rungs = pickCompareRungs(stream);
    if (rungs === null) {
      this.message.textContent = 'Waiting for the stream to have both its AI and its source rendition…';
      this.message.hidden = false;
      this.hooks.onStatus('Waiting for renditions…', 'warn');
      return false;
    }
    this.message.hidden = true;
    this.stage.style.aspectRatio = `${rungs.ai.width} / ${rungs.ai.height}`;
    this.stage.style.setProperty('--pane-ratio', `${rungs.ai.width} / ${rungs.ai.height}`);
    this.aiLabel.textContent = `AI ${size(rungs.ai)}${stream.model ? ` · ${stream.model}` : ''}`;
    this.sourceLabel.textContent = `Source ${size(rungs.source)} · scaled by the browser`;
    this.root.dataset.ai = rungs.ai.name;
    this.root.dataset.source = rungs.source.name;
    this.hooks.onStatus('Loading comparison…');
    this.attach(this.ai, rungs.ai.playlist);
    this.attach(this.source, rungs.source.playlist);
    this.timer = setInterval(() => this.syncStep(), SYNC_INTERVAL_MS);
    this.watchFrames(this.ai);
    this.watchFrames(this.source);
    return true;
  }

  /**
   * watchFrames records each frame the video presents (requestVideoFrameCallback, where the browser
   * has it), for as long as the comparison is open.
   * @private
   * @param {HTMLVideoElement} video
   */
  watchFrames(video) {
    const v = /** @type {any} */ (video);
    if (typeof v.requestVideoFrameCallback !== 'function') return;
    const timer = this.timer;
    /** @param {number} now @param {{ mediaTime: number }} meta */
    const onFrame = (now, meta) => {
      if (this.timer !== timer) return;
      this.shown.set(video, { mediaTime: meta.mediaTime, at: now });
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }

  /**
   * @private
   * @param {HTMLVideoElement} video
   * @returns {number} the media time of the frame it shows now
   */
  shownTime(video) {
    return presentedTime(this.shown.get(video), video, performance.now());
  }

  /** close stops both players and the sync loop (the section stays as it is). */
  close() {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.retry !== null) clearTimeout(this.retry);
    this.timer = this.retry = null;
    this.shown.clear();
    for (const p of this.players) p.destroy();
    this.players = [];
    for (const v of [this.ai, this.source]) {
      v.removeAttribute('src');
      v.load();
      v.playbackRate = 1;
    }
    this.frozen = false;
    this.freezeButton.setAttribute('aria-pressed', 'false');
    this.freezeButton.textContent = 'Freeze frame';
    this.root.dataset.synced = 'false';
  }

  /** hide closes and hides the section. */
  hide() {
    this.close();
    this.key = null;
    this.root.hidden = true;
    this.bar.hidden = true;
  }

  /**
   * @private
   * @param {HTMLVideoElement} video
   * @param {string} url a media playlist: each side plays exactly one rung, no adaptation
   */
  attach(video, url) {
    const Hls = this.Hls;
    if (Hls.isSupported()) {
      const hls = new Hls({ ...COMPARE_HLS_CONFIG });
      this.players.push(hls);
      let recoveries = 0;
      hls.on(Hls.Events.ERROR, (/** @type {unknown} */ _e, /** @type {any} */ data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recoveries++ < 2) {
          hls.recoverMediaError();
          return;
        }
        this.fail(
          `${video === this.ai ? 'AI' : 'source'} rendition: ${data.type}: ${data.details}${data.response?.code ? ` (HTTP ${data.response.code})` : ''}`,
        );
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => this.play(video));
      hls.loadSource(url);
      hls.attachMedia(video);
      /** @type {any} */ (video).hls = hls;
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = url;
      video.addEventListener('loadedmetadata', () => this.play(video), { once: true });
    } else {
      this.fail('this browser can play neither Media Source Extensions nor native HLS');
    }
  }

  /** @private @param {HTMLVideoElement} video */
  play(video) {
    if (this.frozen) return;
    video.play().catch((err) => this.hooks.onStatus(`Press play to start (${err.name})`, 'warn'));
  }

  /** @private @param {string} reason */
  fail(reason) {
    const stream = this.stream;
    this.close();
    this.hooks.onError(`Comparison stopped: ${reason}`);
    this.hooks.onStatus(`Reconnecting comparison in ${RETRY_MS / 1000} s…`, 'warn');
    this.retry = setTimeout(() => {
      if (stream !== null && this.key === stream.key) this.open(stream);
    }, RETRY_MS);
  }

  /**
   * targetForSource is the source video's time that shows the frame the AI video shows now.
   * @private
   * @returns {number | null}
   */
  targetForSource() {
    const aiTime = this.shownTime(this.ai);
    const a = /** @type {any} */ (this.ai).hls;
    const b = /** @type {any} */ (this.source).hls;
    if (a && b) {
      const fa = fragmentsOf(a.levels?.[0]?.details);
      const fb = fragmentsOf(b.levels?.[0]?.details);
      return followerTarget(fa, aiTime, fb);
    }
    const ea = this.ai.seekable.length ? this.ai.seekable.end(this.ai.seekable.length - 1) : NaN;
    const eb = this.source.seekable.length ? this.source.seekable.end(this.source.seekable.length - 1) : NaN;
    return Number.isFinite(ea) && Number.isFinite(eb) ? edgeAlignedTarget(aiTime, ea, eb) : null;
  }

  /** @private one correction of the source video towards the AI video's frame (both as shown) */
  syncStep() {
    if (document.hidden) return;
    const target = this.targetForSource();
    if (target === null || this.ai.readyState < 2) {
      this.root.dataset.synced = 'false';
      this.driftOut.textContent = 'syncing…';
      return;
    }
    const drift = this.shownTime(this.source) - target;
    this.root.dataset.driftMs = String(Math.round(drift * 1000));
    this.driftOut.textContent = `Δ ${Math.round(Math.abs(drift) * 1000)} ms`;
    if (this.frozen) {
      // Both paused: a source still off the AI frame (a seek that landed before the AI picture
      // settled) is put on it again.
      if (this.ai.paused && this.source.paused && !this.source.seeking && Math.abs(drift) >= IN_SYNC_S) this.source.currentTime = target;
      return;
    }
    // Mirror the leader: a buffering or paused AI video holds the source too.
    if (this.ai.paused || this.ai.readyState < 3) {
      this.holdSource();
      return;
    }
    if (this.source.paused) this.play(this.source);
    const action = syncAction(drift);
    if (action.seek) this.source.currentTime = target;
    this.source.playbackRate = action.rate;
    this.root.dataset.synced = String(!action.seek && isInSync(drift, this.source.seeking));
    if (!this.ai.paused && this.root.dataset.synced === 'true') this.hooks.onStatus('Comparing (in sync)', 'ok');
  }

  /** freeze pauses both videos on the same frame (the source is seeked onto the AI frame). */
  freeze() {
    this.frozen = true;
    this.ai.pause();
    this.source.pause();
    this.source.playbackRate = 1;
    const target = this.targetForSource();
    if (target !== null) this.source.currentTime = target;
    this.freezeButton.setAttribute('aria-pressed', 'true');
    this.freezeButton.textContent = 'Resume';
    this.root.dataset.frozen = 'true';
    this.hooks.onStatus('Frozen on one frame: click the picture to zoom into a region', 'ok');
  }

  /** resume plays both again from the live edge. */
  resume() {
    this.frozen = false;
    this.root.dataset.frozen = 'false';
    this.freezeButton.setAttribute('aria-pressed', 'false');
    this.freezeButton.textContent = 'Freeze frame';
    const live = /** @type {any} */ (this.ai).hls?.liveSyncPosition;
    if (typeof live === 'number' && Number.isFinite(live)) this.ai.currentTime = live;
    this.play(this.ai);
    this.play(this.source);
  }

  /** @param {string} layout "split" (a divider over one frame area) or "side" (side by side) */
  setLayout(layout) {
    this.controls.setLayout(layout);
  }

  /** @param {number} percent where the divider sits, 0..100 from the left (source left, AI right) */
  setSplit(percent) {
    this.controls.setSplit(percent);
  }

  /** @param {number} level magnification of both videos around the chosen point (1 = none) */
  setZoom(level) {
    this.controls.setZoom(level);
  }

  /** hls is the AI video's hls.js instance (null with native HLS or when closed). */
  leader() {
    return /** @type {any} */ (this.ai).hls ?? null;
  }
}

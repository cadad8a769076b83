// uprez player: picks a stream from /api/streams and plays /hls/KEY/master.m3u8 with the
// vendored hls.js (or natively where MSE is missing, e.g. iOS Safari). "Compare" shows the AI
// rung beside the browser-scaled source rung (compare.js). Plain ESM, no build step.
import Hls from '/player/vendor/hls.mjs';
import { CompareView } from './compare.js';
import { PLAYER_HLS_CONFIG, joinLive } from './hls-config.js';
import { measureLive, showLive } from './live-badge.js';
import { denoiseText, fallbackText, fetchJson, ladderText, pct, size } from './util.js';

const LIST_REFRESH_MS = 3000;
const STATS_REFRESH_MS = 2000;
const LIVE_REFRESH_MS = 500;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10000;
/** Media errors hls.js may recover from in place before the player starts over. */
const MAX_MEDIA_RECOVERIES = 2;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  streamsStatus: $('streams-status'),
  list: $('stream-list'),
  heading: $('viewer-heading'),
  watch: $('watch'),
  video: /** @type {HTMLVideoElement} */ ($('video')),
  rendition: /** @type {HTMLSelectElement} */ ($('rendition')),
  live: /** @type {HTMLButtonElement} */ ($('live-badge')),
  statsToggle: $('stats-toggle'),
  status: $('player-status'),
  error: $('player-error'),
  stats: $('stats'),
};

const player = {
  /** @type {string | null} */ key: null,
  /** @type {any} */ hls: null,
  /** @type {any} Last snapshot of the selected stream, or null when unknown. */ snapshot: null,
  /** @type {any[]} Last list from /api/streams. */ streams: [],
  /** @type {ReturnType<typeof setTimeout> | null} */ retryTimer: null,
  /** @type {ReturnType<typeof setInterval> | null} */ countdown: null,
  retryAttempt: 0,
  mediaRecoveries: 0,
  /** True when playing through the browser's own HLS (no hls.js). */ native: false,
  /** True while waiting for an ended stream to come back (no timer running). */ waiting: false,
  /** @type {'watch' | 'compare'} */ view: 'watch',
  /** True once the comparison runs for the selected stream (it waits for two renditions). */ comparing: false,
  showStats: true,
};

const compare = new CompareView(Hls, { onError: showError, onStatus: setStatus });

// ---------- small helpers ----------

/** @param {string} text @param {string} [tone] */
function setStatus(text, tone = '') {
  ui.status.textContent = text;
  ui.status.dataset.tone = tone;
}

/** @param {string} text */
function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

/** @param {any} snapshot */
function isGone(snapshot) {
  return snapshot === null || snapshot.state === 'ended' || snapshot.state === 'failed';
}

// ---------- stream list ----------

async function refreshList() {
  let streams;
  try {
    streams = (await fetchJson('/api/streams')).streams;
  } catch (err) {
    ui.streamsStatus.textContent = `Cannot load streams: ${/** @type {Error} */ (err).message}. Retrying…`;
    return;
  }
  ui.streamsStatus.textContent = streams.length === 0 ? 'No streams yet.' : `${streams.length} stream${streams.length === 1 ? '' : 's'}`;
  player.streams = streams;
  renderList(streams);
  if (player.key !== null) noteSnapshot(streams.find((/** @type {any} */ s) => s.key === player.key) ?? null);
}

/** @param {any[]} streams */
function renderList(streams) {
  const focusedKey = /** @type {HTMLElement | null} */ (document.activeElement?.closest?.('#stream-list button') ?? null)?.dataset.key;
  const items = streams.map((s) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.key = s.key;
    if (s.key === player.key) button.setAttribute('aria-current', 'true');
    const key = document.createElement('span');
    key.className = 'stream-key';
    key.textContent = s.key;
    const state = document.createElement('span');
    state.className = `state state-${s.state}`;
    state.textContent = s.state;
    const meta = document.createElement('span');
    meta.className = 'stream-meta';
    meta.textContent = `${size(s.input)} → ${size(s.output)} · AI ${pct(s.aiShare)}${s.model ? ` · ${s.model}` : ''}`;
    button.append(key, state, meta);
    button.addEventListener('click', () => select(s.key));
    const li = document.createElement('li');
    li.append(button);
    return li;
  });
  ui.list.replaceChildren(...items);
  if (focusedKey) /** @type {HTMLElement | null} */ (ui.list.querySelector(`button[data-key="${CSS.escape(focusedKey)}"]`))?.focus();
}

// ---------- selection, view and playback ----------

/** @param {string} key */
function select(key) {
  if (key === player.key) return;
  player.key = key;
  player.snapshot = player.streams.find((s) => s.key === key) ?? null;
  writeUrl();
  ui.heading.textContent = key;
  for (const b of ui.list.querySelectorAll('button')) {
    if (/** @type {HTMLElement} */ (b).dataset.key === key) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  ui.stats.hidden = true;
  player.retryAttempt = 0;
  startView();
  refreshStats();
}

function writeUrl() {
  const url = new URL(location.href);
  if (player.key !== null) url.searchParams.set('stream', player.key);
  if (player.view === 'compare') url.searchParams.set('view', 'compare');
  else url.searchParams.delete('view');
  history.replaceState(null, '', url);
}

/** @param {'watch' | 'compare'} view */
function setView(view) {
  if (view === player.view) return;
  player.view = view;
  for (const b of document.querySelectorAll('[data-view]'))
    b.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (b).dataset.view === view));
  writeUrl();
  startView();
}

/** startView (re)starts what the current view shows for the selected stream; only one view decodes at a time. */
function startView() {
  showError('');
  ui.watch.hidden = player.view !== 'watch';
  ui.rendition.closest('label')?.toggleAttribute('hidden', player.view !== 'watch');
  if (player.view === 'compare') {
    teardown();
    player.comparing = false;
    if (player.key !== null) player.comparing = compare.open(compareStream());
    else compare.hide();
    return;
  }
  compare.hide();
  player.comparing = false;
  play();
}

function compareStream() {
  const s = player.snapshot;
  return { key: /** @type {string} */ (player.key), input: s?.input ?? null, model: s?.model ?? null, renditions: s?.renditions ?? [] };
}

function teardown() {
  if (player.retryTimer !== null) clearTimeout(player.retryTimer);
  if (player.countdown !== null) clearInterval(player.countdown);
  player.retryTimer = player.countdown = null;
  player.waiting = false;
  if (player.hls !== null) {
    player.hls.destroy();
    player.hls = null;
  }
  ui.video.removeAttribute('src');
  ui.video.load();
  ui.rendition.replaceChildren(new Option('Auto', '-1'));
  ui.rendition.disabled = true;
}

function play() {
  teardown();
  if (player.key === null || player.view !== 'watch') return;
  const src = `/hls/${encodeURIComponent(player.key)}/master.m3u8`;
  player.mediaRecoveries = 0;
  setStatus(player.retryAttempt === 0 ? 'Loading…' : `Reconnecting (attempt ${player.retryAttempt})…`);
  if (Hls.isSupported()) {
    // Chromium, Firefox, desktop Safari (MSE) and iOS 17.1+ (ManagedMediaSource).
    const hls = new Hls({ ...PLAYER_HLS_CONFIG });
    player.hls = hls;
    const leave = joinLive(hls, ui.video);
    hls.on(Hls.Events.DESTROYING, leave);
    player.native = false;
    hls.on(Hls.Events.MANIFEST_PARSED, (/** @type {unknown} */ _e, /** @type {any} */ data) => onManifest(data.levels));
    hls.on(Hls.Events.LEVEL_SWITCHED, () => updateAutoLabel());
    hls.on(Hls.Events.FRAG_BUFFERED, () => {
      // Media arrives again: whatever went wrong before is over.
      player.retryAttempt = 0;
      showError('');
      if (!ui.video.paused && ui.status.dataset.tone === 'warn') setStatus('Playing', 'ok');
    });
    hls.on(Hls.Events.ERROR, (/** @type {unknown} */ _e, /** @type {any} */ data) => onHlsError(hls, data));
    hls.loadSource(src);
    hls.attachMedia(ui.video);
  } else if (ui.video.canPlayType('application/vnd.apple.mpegurl')) {
    // Older iOS Safari: native HLS picks renditions itself, so the menu stays on Auto.
    player.native = true;
    ui.video.src = src;
    ui.video.addEventListener('loadedmetadata', () => startVideo(), { once: true });
  } else {
    setStatus('');
    showError('This browser can play neither Media Source Extensions nor native HLS.');
  }
}

function startVideo() {
  ui.video.play().catch((err) => {
    // Autoplay policies can refuse even muted playback; the controls still work.
    setStatus(`Press play to start (${err.name})`, 'warn');
  });
}

/** @param {any[]} levels */
function onManifest(levels) {
  const options = levels.map((_l, i) => new Option('', String(i)));
  ui.rendition.replaceChildren(new Option('Auto', '-1'), ...options);
  ui.rendition.disabled = levels.length < 2;
  labelRenditions();
  startVideo();
}

/** labelRenditions names each level, marking the one at the stream's upscaled output size. */
function labelRenditions() {
  const levels = player.hls?.levels ?? [];
  const top = player.snapshot?.output;
  levels.forEach((/** @type {any} */ l, /** @type {number} */ i) => {
    const option = ui.rendition.options[i + 1];
    if (!option) return;
    const ai = top && l.width === top.width && l.height === top.height ? ' · AI' : '';
    option.text = `${l.height}p · ${l.width}×${l.height} · ${(l.bitrate / 1e6).toFixed(1)} Mbps${ai}`;
  });
  updateAutoLabel();
}

function updateAutoLabel() {
  const hls = player.hls;
  const auto = ui.rendition.options[0];
  if (!hls || !auto) return;
  const level = hls.levels[hls.currentLevel];
  auto.text = hls.autoLevelEnabled && level ? `Auto (${level.height}p)` : 'Auto';
}

/** @param {any} hls @param {any} data */
function onHlsError(hls, data) {
  if (!data.fatal) {
    // Recoverable hiccups (a stall, a segment retried) are shown, not hidden; hls.js handles them.
    setStatus(`Recovering: ${data.details}`, 'warn');
    return;
  }
  if (data.type === Hls.ErrorTypes.MEDIA_ERROR && player.mediaRecoveries < MAX_MEDIA_RECOVERIES) {
    player.mediaRecoveries++;
    setStatus(`Media error (${data.details}); recovering…`, 'warn');
    hls.recoverMediaError();
    return;
  }
  const code = data.response?.code ? ` (HTTP ${data.response.code})` : '';
  scheduleReconnect(`${data.type}: ${data.details}${code}`);
}

ui.video.addEventListener('playing', () => setStatus('Playing', 'ok'));
ui.video.addEventListener('waiting', () => setStatus('Buffering…', 'warn'));

ui.video.addEventListener('error', () => {
  // hls.js reports through its own events; this is the native-HLS path.
  if (!player.native || player.key === null || !ui.video.getAttribute('src') || !ui.video.error) return;
  scheduleReconnect(`video error ${ui.video.error.code}: ${ui.video.error.message || 'playback failed'}`);
});

/** @param {string} reason */
function scheduleReconnect(reason) {
  teardown();
  showError(`Playback stopped: ${reason}`);
  if (player.snapshot !== null && isGone(player.snapshot)) {
    // No point hammering a stream that is over; the list refresh restarts it when it is back.
    player.waiting = true;
    setStatus(`Stream ${player.snapshot.state}. Waiting for it to come back…`, 'warn');
    return;
  }
  player.retryAttempt++;
  const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (player.retryAttempt - 1));
  const due = Date.now() + delay;
  const tick = () =>
    setStatus(`Reconnecting in ${Math.max(1, Math.ceil((due - Date.now()) / 1000))} s (attempt ${player.retryAttempt})…`, 'warn');
  tick();
  player.countdown = setInterval(tick, 500);
  player.retryTimer = setTimeout(play, delay);
}

/** noteSnapshot tracks the selected stream's state and restarts playback when it comes back. @param {any} snapshot */
function noteSnapshot(snapshot) {
  const wasWaiting = player.waiting;
  const sizeChanged = snapshot?.output?.width !== player.snapshot?.output?.width;
  player.snapshot = snapshot;
  if (sizeChanged) labelRenditions();
  if (player.view === 'compare' && !player.comparing && snapshot !== null && player.key !== null) {
    player.comparing = compare.open(compareStream());
  }
  if (wasWaiting && snapshot !== null && snapshot.state === 'live') {
    player.retryAttempt = 0;
    play();
  }
}

// ---------- live edge ----------

/** updateLive refreshes the live badge (live-badge.js) from whichever player is showing. */
function updateLive() {
  const h = player.view === 'compare' ? compare.leader() : player.hls;
  const v = player.view === 'compare' ? compare.ai : ui.video;
  showLive(ui.live, measureLive(h, v, player.view === 'compare' || player.native), player.view === 'watch');
}

ui.live.addEventListener('click', () => {
  const pos = player.hls?.liveSyncPosition;
  if (typeof pos === 'number' && Number.isFinite(pos)) ui.video.currentTime = pos;
  else if (ui.video.seekable.length) ui.video.currentTime = Math.max(0, ui.video.seekable.end(ui.video.seekable.length - 1) - 6);
  if (ui.video.paused) startVideo();
});

// ---------- stats ----------

async function refreshStats() {
  const key = player.key;
  if (key === null) return;
  let s;
  try {
    s = await fetchJson(`/api/streams/${encodeURIComponent(key)}`);
  } catch (err) {
    if (key !== player.key) return;
    const e = /** @type {Error & { status?: number }} */ (err);
    if (e.status === 404) noteSnapshot(null);
    ui.stats.hidden = true;
    setStatus(e.status === 404 ? `Stream "${key}" is not known to the server.` : `Cannot load stats: ${e.message}`, 'warn');
    return;
  }
  if (key !== player.key) return;
  noteSnapshot(s);
  $('stat-ai').textContent = `${pct(s.aiShare)} of ${s.frames.out.toLocaleString()} frames`;
  $('stat-fallbacks').textContent = fallbackText(s.fallbacks) + (s.deadlineMisses ? ` · ${s.deadlineMisses.toLocaleString()} late` : '');
  $('stat-latency').textContent =
    `p50 ${Math.round(s.latencyMs.p50)} ms · p99 ${Math.round(s.latencyMs.p99)} ms (budget ${s.latencyBudgetMs} ms)`;
  $('stat-model').textContent = s.model ?? 'none (bicubic only)';
  const ladder = ladderText(s);
  $('stat-ladder').textContent = ladder ?? '';
  /** @type {HTMLElement} */ ($('stat-ladder').parentElement).hidden = ladder === null;
  const denoise = denoiseText(s);
  $('stat-denoise').textContent = denoise ?? '';
  /** @type {HTMLElement} */ ($('stat-denoise').parentElement).hidden = denoise === null;
  $('stat-provider').textContent = s.provider ? s.provider.toUpperCase() : '–';
  $('stat-output').textContent =
    `${size(s.input)} → ${size(s.output)} @ ${s.outputFps.toFixed(1)} fps · ${s.state}${s.error ? ` (${s.error})` : ''}`;
  ui.stats.hidden = !player.showStats;
}

// ---------- wiring ----------

ui.rendition.addEventListener('change', () => {
  if (player.hls === null) return;
  player.hls.currentLevel = Number(ui.rendition.value);
  updateAutoLabel();
});

ui.statsToggle.addEventListener('click', () => {
  player.showStats = !player.showStats;
  ui.statsToggle.setAttribute('aria-pressed', String(player.showStats));
  ui.stats.hidden = !player.showStats || player.key === null;
});

for (const b of document.querySelectorAll('[data-view]')) {
  b.addEventListener('click', () => setView(/** @type {HTMLElement} */ (b).dataset.view === 'compare' ? 'compare' : 'watch'));
}

/** @param {() => unknown} fn @param {number} ms */
const every = (fn, ms) =>
  setInterval(() => {
    if (!document.hidden) fn();
  }, ms);
every(refreshList, LIST_REFRESH_MS);
every(refreshStats, STATS_REFRESH_MS);
every(updateLive, LIVE_REFRESH_MS);

const params = new URLSearchParams(location.search);
if (params.get('view') === 'compare') {
  player.view = 'compare';
  for (const b of document.querySelectorAll('[data-view]'))
    b.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (b).dataset.view === 'compare'));
}
const wanted = params.get('stream');
await refreshList();
if (wanted && /^[A-Za-z0-9_-]{1,64}$/.test(wanted)) select(wanted);

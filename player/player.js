// uprez player: picks a stream from /api/streams and plays /hls/KEY/master.m3u8 with the
// vendored hls.js (or natively where MSE is missing, e.g. iOS Safari). Plain ESM, no build step.
import Hls from '/player/vendor/hls.mjs';

const LIST_REFRESH_MS = 3000;
const STATS_REFRESH_MS = 2000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10000;
const FETCH_TIMEOUT_MS = 4000;
/** Media errors hls.js may recover from in place before the player starts over. */
const MAX_MEDIA_RECOVERIES = 2;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  streamsStatus: $('streams-status'),
  list: $('stream-list'),
  heading: $('viewer-heading'),
  video: /** @type {HTMLVideoElement} */ ($('video')),
  rendition: /** @type {HTMLSelectElement} */ ($('rendition')),
  status: $('player-status'),
  error: $('player-error'),
  stats: $('stats'),
};

const player = {
  /** @type {string | null} */ key: null,
  /** @type {Hls | null} */ hls: null,
  /** Last snapshot of the selected stream, or null when unknown. */ snapshot: null,
  /** Last list from /api/streams. */ streams: [],
  /** @type {ReturnType<typeof setTimeout> | null} */ retryTimer: null,
  /** @type {ReturnType<typeof setInterval> | null} */ countdown: null,
  retryAttempt: 0,
  mediaRecoveries: 0,
  /** True when playing through the browser's own HLS (no hls.js). */ native: false,
  /** True while waiting for an ended stream to come back (no timer running). */ waiting: false,
};

// ---------- small helpers ----------

async function fetchJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: 'no-store' });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(body?.error?.message ?? `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

const pct = (x) => `${Math.round(x * 100)}%`;
const size = (s) => (s ? `${s.width}×${s.height}` : '?');

function setStatus(text, tone = '') {
  ui.status.textContent = text;
  ui.status.dataset.tone = tone;
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

function isGone(snapshot) {
  return snapshot === null || snapshot.state === 'ended' || snapshot.state === 'failed';
}

// ---------- stream list ----------

async function refreshList() {
  let streams;
  try {
    streams = (await fetchJson('/api/streams')).streams;
  } catch (err) {
    ui.streamsStatus.textContent = `Cannot load streams: ${err.message}. Retrying…`;
    return;
  }
  ui.streamsStatus.textContent = streams.length === 0 ? 'No streams yet.' : `${streams.length} stream${streams.length === 1 ? '' : 's'}`;
  player.streams = streams;
  renderList(streams);
  if (player.key !== null) noteSnapshot(streams.find((s) => s.key === player.key) ?? null);
}

function renderList(streams) {
  const focusedKey = document.activeElement?.closest?.('#stream-list button')?.dataset.key;
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
  if (focusedKey) ui.list.querySelector(`button[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
}

// ---------- selection and playback ----------

function select(key) {
  if (key === player.key) return;
  const url = new URL(location.href);
  url.searchParams.set('stream', key);
  history.replaceState(null, '', url);
  player.key = key;
  player.snapshot = player.streams.find((s) => s.key === key) ?? null;
  ui.heading.textContent = key;
  for (const b of ui.list.querySelectorAll('button')) {
    if (b.dataset.key === key) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  ui.stats.hidden = true;
  player.retryAttempt = 0;
  play();
  refreshStats();
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
  if (player.key === null) return;
  const src = `/hls/${encodeURIComponent(player.key)}/master.m3u8`;
  player.mediaRecoveries = 0;
  setStatus(player.retryAttempt === 0 ? 'Loading…' : `Reconnecting (attempt ${player.retryAttempt})…`);
  if (Hls.isSupported()) {
    const hls = new Hls({ workerPath: '/player/vendor/hls.worker.js', backBufferLength: 30 });
    player.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => onManifest(data.levels));
    hls.on(Hls.Events.LEVEL_SWITCHED, () => updateAutoLabel());
    hls.on(Hls.Events.FRAG_BUFFERED, () => {
      // Media arrives again: whatever went wrong before is over.
      player.retryAttempt = 0;
      showError('');
      if (!ui.video.paused && ui.status.dataset.tone === 'warn') setStatus('Playing', 'ok');
    });
    hls.on(Hls.Events.ERROR, (_e, data) => onHlsError(hls, data));
    hls.loadSource(src);
    hls.attachMedia(ui.video);
  } else if (ui.video.canPlayType('application/vnd.apple.mpegurl')) {
    // Safari on iOS: native HLS picks renditions itself, so the menu stays on Auto.
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
  levels.forEach((l, i) => {
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
  const tick = () => setStatus(`Reconnecting in ${Math.max(1, Math.ceil((due - Date.now()) / 1000))} s (attempt ${player.retryAttempt})…`, 'warn');
  tick();
  player.countdown = setInterval(tick, 500);
  player.retryTimer = setTimeout(play, delay);
}

/** noteSnapshot tracks the selected stream's state and restarts playback when it comes back. */
function noteSnapshot(snapshot) {
  const wasWaiting = player.waiting;
  const sizeChanged = snapshot?.output?.width !== player.snapshot?.output?.width;
  player.snapshot = snapshot;
  if (sizeChanged) labelRenditions();
  if (wasWaiting && snapshot !== null && snapshot.state === 'live') {
    player.retryAttempt = 0;
    play();
  }
}

// ---------- stats ----------

async function refreshStats() {
  const key = player.key;
  if (key === null) return;
  let s;
  try {
    s = await fetchJson(`/api/streams/${encodeURIComponent(key)}`);
  } catch (err) {
    if (key !== player.key) return;
    if (err.status === 404) noteSnapshot(null);
    ui.stats.hidden = true;
    setStatus(err.status === 404 ? `Stream "${key}" is not known to the server.` : `Cannot load stats: ${err.message}`, 'warn');
    return;
  }
  if (key !== player.key) return;
  noteSnapshot(s);
  const fallbacks = Object.entries(s.fallbacks).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  $('stat-ai').textContent = `${pct(s.aiShare)} of ${s.frames.out.toLocaleString()} frames`;
  $('stat-fallbacks').textContent =
    (fallbacks.length ? fallbacks.map(([r, n]) => `${r.replace(/_/g, ' ')} ${n.toLocaleString()}`).join(' · ') : 'none') +
    (s.deadlineMisses ? ` · ${s.deadlineMisses.toLocaleString()} late` : '');
  $('stat-latency').textContent = `p50 ${Math.round(s.latencyMs.p50)} ms · p99 ${Math.round(s.latencyMs.p99)} ms (budget ${s.latencyBudgetMs} ms)`;
  $('stat-model').textContent = s.model ?? 'none (bicubic only)';
  $('stat-provider').textContent = s.provider ? s.provider.toUpperCase() : '–';
  $('stat-output').textContent = `${size(s.input)} → ${size(s.output)} @ ${s.outputFps.toFixed(1)} fps · ${s.state}`;
  ui.stats.hidden = false;
}

// ---------- wiring ----------

ui.rendition.addEventListener('change', () => {
  if (player.hls === null) return;
  player.hls.currentLevel = Number(ui.rendition.value);
  updateAutoLabel();
});

const every = (fn, ms) => setInterval(() => { if (!document.hidden) fn(); }, ms);
every(refreshList, LIST_REFRESH_MS);
every(refreshStats, STATS_REFRESH_MS);

const wanted = new URLSearchParams(location.search).get('stream');
await refreshList();
if (wanted && /^[A-Za-z0-9_-]{1,64}$/.test(wanted)) select(wanted);

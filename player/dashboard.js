// uprez dashboard: every stream with its status and numbers (polled from /api/streams), and plots
// of the last minutes of stage latency and AI-frame share (from /api/history, which the server
// samples every few seconds, so the plots show the recent past as soon as the page opens).
import { drawLineChart } from './chart.js';
import { fetchJson, formatDuration, pct, size, uptimeSeconds } from './util.js';

const REFRESH_MS = 2000;
const COLORS = ['#2457d6', '#d6452b', '#1a8f4a', '#a05bd6', '#c28a00', '#0f8f9f', '#d63c8c', '#6b7280'];

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const body = /** @type {HTMLElement} */ (document.querySelector('#streams-table tbody'));
const status = $('dash-status');
const latencyChart = /** @type {HTMLCanvasElement} */ ($('chart-latency'));
const aiChart = /** @type {HTMLCanvasElement} */ ($('chart-ai'));

/**
 * @typedef {{ t: number, p50: number, p99: number, aiShare: number | null, fps: number }} HistoryPoint
 */
const state = {
  /** @type {Map<string, HistoryPoint[]>} */ history: new Map(),
  /** @type {number | undefined} server time of the last history answer */ since: undefined,
  windowMs: 10 * 60_000,
  /** server clock minus ours, so "now" on the time axis is the server's */ skewMs: 0,
  /** @type {string[]} keys in a stable order, for stable colours */ keys: [],
};

/** @param {string} key */
function colorOf(key) {
  if (!state.keys.includes(key)) state.keys.push(key);
  return COLORS[state.keys.indexOf(key) % COLORS.length] ?? '#888';
}

/** @param {string} text @param {string} [href] */
function cell(text, href) {
  const td = document.createElement('td');
  if (href) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    td.append(a);
  } else {
    td.textContent = text;
  }
  return td;
}

/** @param {any[]} streams */
function renderTable(streams) {
  status.textContent =
    streams.length === 0
      ? 'No streams yet. Publish with RTMP to rtmp://HOST:1935/live/KEY.'
      : `${streams.length} stream${streams.length === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString()}`;
  const rows = streams.map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.key = s.key;
    const k = encodeURIComponent(s.key);
    const name = cell(s.key);
    const dot = document.createElement('i');
    dot.className = 'key-dot';
    dot.style.background = colorOf(s.key);
    name.prepend(dot);
    const st = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = `state state-${s.state}`;
    badge.textContent = s.state;
    if (s.error) badge.title = s.error;
    st.append(badge);
    const watch = cell('player', `/player?stream=${k}`);
    const cmp = document.createElement('a');
    cmp.href = `/player?stream=${k}&view=compare`;
    cmp.textContent = 'compare';
    watch.append(cmp);
    tr.append(
      name,
      st,
      cell(s.input ? `${size(s.input)} @ ${s.input.fps.toFixed(s.input.fps % 1 ? 2 : 0)}` : '?'),
      cell(size(s.output)),
      cell(s.outputFps.toFixed(1)),
      cell(pct(s.aiShare)),
      cell(`${Math.round(s.latencyMs.p50)} / ${Math.round(s.latencyMs.p99)} ms`),
      cell(s.model ? `${s.model}${s.fallbackModel ? ` → ${s.fallbackModel}` : ''}${s.provider ? ` (${s.provider})` : ''}` : 'bicubic only'),
      cell(formatDuration(uptimeSeconds(s))),
      watch,
    );
    return tr;
  });
  body.replaceChildren(...rows);
}

/** @param {{ now: number, windowMs: number, streams: Record<string, HistoryPoint[]> }} h */
function mergeHistory(h) {
  state.windowMs = h.windowMs;
  state.skewMs = h.now - Date.now();
  state.since = h.now;
  for (const [key, points] of Object.entries(h.streams)) {
    const list = state.history.get(key) ?? [];
    for (const p of points) if (list.length === 0 || p.t > (list[list.length - 1]?.t ?? 0)) list.push(p);
    state.history.set(key, list);
  }
  // Streams the server forgot are gone from the plots too.
  for (const key of [...state.history.keys()]) if (!(key in h.streams)) state.history.delete(key);
  const oldest = h.now - h.windowMs;
  for (const list of state.history.values()) while (list.length && (list[0]?.t ?? 0) < oldest) list.shift();
}

function renderCharts() {
  const tEnd = Date.now() + state.skewMs;
  const tStart = tEnd - state.windowMs;
  $('window-min').textContent = String(Math.round(state.windowMs / 60000));
  const entries = [...state.history.entries()];
  drawLineChart(latencyChart, {
    tStart,
    tEnd,
    format: (v) => `${Math.round(v)}`,
    series: entries.flatMap(([key, pts]) => [
      { label: `${key} p99`, color: colorOf(key), points: pts.map((p) => ({ t: p.t, v: p.p99 })) },
      { label: `${key} p50`, color: colorOf(key), dash: [4, 3], points: pts.map((p) => ({ t: p.t, v: p.p50 })) },
    ]),
  });
  drawLineChart(aiChart, {
    tStart,
    tEnd,
    yMin: 0,
    yMax: 1,
    format: (v) => pct(v),
    series: entries.map(([key, pts]) => ({ label: key, color: colorOf(key), points: pts.map((p) => ({ t: p.t, v: p.aiShare })) })),
  });
  const legend = entries.map(([key]) => {
    const li = document.createElement('li');
    const swatch = document.createElement('i');
    swatch.style.background = colorOf(key);
    li.append(swatch, key);
    return li;
  });
  $('legend').replaceChildren(...legend);
}

async function refresh() {
  try {
    const [list, hist] = await Promise.all([
      fetchJson('/api/streams'),
      fetchJson(state.since === undefined ? '/api/history' : `/api/history?since=${state.since}`),
    ]);
    renderTable(list.streams);
    mergeHistory(hist);
    renderCharts();
  } catch (err) {
    // Shown, not swallowed: the table keeps its last numbers and says they are stale.
    status.textContent = `Cannot load from the server: ${/** @type {Error} */ (err).message}. Retrying…`;
  }
}

setInterval(() => {
  if (!document.hidden) refresh();
}, REFRESH_MS);
window.addEventListener('resize', renderCharts);
await refresh();

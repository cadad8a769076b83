// Helpers shared by the player and the dashboard: JSON fetch with a time limit, number formats.

const FETCH_TIMEOUT_MS = 4000;

/**
 * fetchJson GETs a JSON document; a non-2xx answer throws an Error carrying the API's message and
 * `status`, so callers can show what went wrong instead of swallowing it.
 * @param {string} url
 * @returns {Promise<any>}
 */
export async function fetchJson(url) {
  /** @type {RequestInit & { cache: string }} the API answers no-store; this keeps old browsers' caches out too */
  const init = { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: 'no-store' };
  const token = apiToken();
  if (token) init.headers = { Authorization: `Bearer ${token}` };
  const res = await fetch(url, init);
  /** @type {any} */
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message =
      res.status === 401
        ? 'the API needs a token (uprez serve --api-token): open this page with #token=YOUR_TOKEN at the end of its address'
        : (body?.error?.message ?? `HTTP ${res.status}`);
    const err = /** @type {Error & { status?: number }} */ (new Error(message));
    err.status = res.status;
    throw err;
  }
  return body;
}

const TOKEN_KEY = 'uprez.apiToken';

/**
 * apiToken is the bearer token for /api when the server has one: given once as `#token=…` in the
 * page address (a fragment never reaches the server or its logs), then kept for the tab's session
 * and taken out of the address bar.
 * @returns {string}
 */
export function apiToken() {
  // Typed by hand: this module is also type-checked (and unit-tested) without the DOM lib.
  const { location, sessionStorage, history } = /** @type {{
    location: { hash: string, pathname: string, search: string },
    sessionStorage: { getItem(k: string): string | null, setItem(k: string, v: string): void },
    history: { replaceState(state: unknown, unused: string, url: string): void },
  }} */ (/** @type {unknown} */ (globalThis));
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    const token = decodeURIComponent(m[1] ?? '');
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // storage off (private mode): the fragment stays and is read again next time
      return token;
    }
    const rest = location.hash.replace(/(?:^#|&)token=[^&]+/, '').replace(/^&/, '');
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return token;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** pct formats a 0..1 share as a whole percentage. @param {number} x */
export const pct = (x) => `${Math.round(x * 100)}%`;

/** size formats {width, height} as W×H ("?" when unknown). @param {{ width: number, height: number } | null | undefined} s */
export const size = (s) => (s ? `${s.width}×${s.height}` : '?');

/**
 * formatDuration renders seconds as "42 s", "3 min 05 s" or "2 h 07 min".
 * @param {number} seconds
 */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * fallbackText lists the non-zero fallback reasons, largest first ("predicted late 8 · queue full 4").
 * @param {Record<string, number>} fallbacks
 */
export function fallbackText(fallbacks) {
  const rows = Object.entries(fallbacks)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return rows.length ? rows.map(([r, n]) => `${r.replace(/_/g, ' ')} ${n.toLocaleString()}`).join(' · ') : 'none';
}

/**
 * ladderText says how much of the stream the model ladder's cheaper rung made ("uprez-x2-tiny ·
 * 80% of frames"), or null when the stream has no fallback model.
 * @param {{ fallbackModel?: string | null, frames: { out: number, byModel?: Record<string, number> } }} s
 */
export function ladderText(s) {
  if (!s.fallbackModel) return null;
  const n = s.frames.byModel?.[s.fallbackModel] ?? 0;
  const share = s.frames.out > 0 ? Math.round((100 * n) / s.frames.out) : 0;
  return `${s.fallbackModel} · ${share}% of frames`;
}

const DENOISE_NAMES = ['clean', 'light', 'medium', 'heavy'];

/**
 * denoiseText says which denoise level the stream's model was chosen for and from what ("level 2
 * (medium) · auto: 0.021 bits/px ≈ CRF 33"), or null when the model has no denoise family.
 * @param {{ denoise?: { mode: 'auto' | 'fixed', level: number, wanted: number | null, bitsPerPixel: number | null, crfEquivalent: number | null, switches: number } | null }} s
 */
export function denoiseText(s) {
  const d = s.denoise;
  if (!d) return null;
  const level = `level ${d.level} (${DENOISE_NAMES[d.level] ?? '?'})`;
  if (d.mode === 'fixed') return `${level} · fixed (--denoise ${d.level})`;
  if (d.bitsPerPixel === null) return `${level} · auto: measuring the ingest`;
  const crf = d.crfEquivalent === null ? '' : ` ≈ CRF ${Math.round(d.crfEquivalent)}`;
  const wanted = d.wanted !== null && d.wanted !== d.level ? ` (asks for ${d.wanted}: nearest member runs)` : '';
  return `${level} · auto: ${d.bitsPerPixel.toFixed(3)} bits/px${crf}${wanted}`;
}

/**
 * uptimeSeconds is how long a stream has been (or was) up, from its snapshot.
 * @param {{ startedAt: number, endedAt: number | null }} s
 * @param {number} [now]
 */
export function uptimeSeconds(s, now = Date.now()) {
  return ((s.endedAt ?? now) - s.startedAt) / 1000;
}

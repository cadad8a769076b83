// The upscale page's calls to /api/upscale and /api/jobs, each with the API token when the
// server has one (util.js apiToken: given once as #token=… in the page address).
import { apiToken } from './util.js';

/** @returns {Record<string, string>} */
function authHeaders() {
  const token = apiToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * errorOf turns a failed answer into an Error with the API's message and status.
 * @param {Response} res
 */
async function errorOf(res) {
  /** @type {any} */
  const body = await res.json().catch(() => null);
  const message =
    res.status === 401
      ? 'the API needs a token (uprez serve --api-token): open this page with #token=YOUR_TOKEN at the end of its address'
      : (body?.error?.message ?? `HTTP ${res.status}`);
  const err = /** @type {Error & { status?: number, code?: string }} */ (new Error(message));
  err.status = res.status;
  err.code = body?.error?.code;
  return err;
}

/**
 * api calls a JSON endpoint.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, url, body) {
  /** @type {Record<string, string>} */
  const headers = { ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw await errorOf(res);
  return res.status === 204 ? null : res.json();
}

/**
 * uploadFile sends one file as the raw request body, reporting how much has gone.
 * @param {File} file
 * @param {(sent: number, total: number) => void} onProgress
 * @returns {Promise<any>} the stored upload
 */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/upscale/uploads?name=${encodeURIComponent(file.name)}`);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.total || file.size));
    xhr.addEventListener('load', () => {
      /** @type {any} */
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: an error page from a proxy
      }
      if (xhr.status === 201 && body?.upload) resolve(body.upload);
      else reject(new Error(body?.error?.message ?? `upload failed: HTTP ${xhr.status}`));
    });
    xhr.addEventListener('error', () => reject(new Error('upload failed: the connection was closed (too large?)')));
    xhr.send(file);
  });
}

/**
 * fetchBlob GETs a file with the token (an <img> or a link cannot send it) as a Blob.
 * @param {string} url
 */
export async function fetchBlob(url) {
  const res = await fetch(url, { headers: authHeaders(), cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  return res.blob();
}

/**
 * download saves what `url` answers under `name`, through an object URL.
 * @param {string} url
 * @param {string} name
 */
export async function download(url, name) {
  const blob = await fetchBlob(url);
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

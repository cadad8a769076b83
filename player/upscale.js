// The upscale page: drop images (each uploaded at once and checked by the server), choose the
// model, scale, format and quality, run them as one batch with per-file progress, compare each
// result with its input (the live comparison's split, layout and zoom: compare-controls.js), and
// download a result or the batch as a zip. Video files in the jobs input folder go to POST
// /api/jobs as file jobs. Plain ESM, no build step; every call carries the API token.
import { CompareControls } from './compare-controls.js';
import { api, download, fetchBlob, uploadFile } from './upscale-api.js';
import { initVideoJobs } from './upscale-video.js';

const POLL_MS = 500;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  drop: $('drop'),
  files: /** @type {HTMLInputElement} */ ($('files')),
  maxSize: $('max-size'),
  form: /** @type {HTMLFormElement} */ ($('options')),
  model: /** @type {HTMLSelectElement} */ ($('model')),
  scale: /** @type {HTMLSelectElement} */ ($('scale')),
  denoise: /** @type {HTMLSelectElement} */ ($('denoise')),
  format: /** @type {HTMLSelectElement} */ ($('format')),
  quality: /** @type {HTMLInputElement} */ ($('quality')),
  profile: /** @type {HTMLSelectElement} */ ($('profile')),
  metadata: /** @type {HTMLInputElement} */ ($('metadata')),
  start: /** @type {HTMLButtonElement} */ ($('start')),
  status: $('status'),
  batch: $('batch'),
  batchProgress: /** @type {HTMLProgressElement} */ ($('batch-progress')),
  zip: /** @type {HTMLButtonElement} */ ($('download-zip')),
  results: $('results'),
  comparePanel: $('compare-panel'),
  compareName: $('compare-name'),
  before: /** @type {HTMLImageElement} */ ($('compare-before')),
  after: /** @type {HTMLImageElement} */ ($('compare-after')),
  beforeLabel: $('compare-before-label'),
  afterLabel: $('compare-after-label'),
  stage: $('compare-stage'),
};

const compare = new CompareControls({
  bar: $('compare-bar'),
  stage: ui.stage,
  divider: $('compare-divider'),
  split: /** @type {HTMLInputElement} */ ($('compare-split')),
  zoomSelect: /** @type {HTMLSelectElement} */ ($('compare-zoom')),
  media: () => [ui.before, ui.after],
});

/**
 * @typedef {{ key: string, name: string, state: string, sent: number, total: number, upload: any | null, error: string | null }} Pending
 */
const state = {
  /** @type {any[]} */ models: [],
  /** @type {Pending[]} */ pending: [],
  /** @type {any | null} */ batch: null,
  /** @type {ReturnType<typeof setTimeout> | null} */ poll: null,
  /** @type {string[]} */ objectUrls: [],
};

/** @param {string} text @param {string} [tone] */
function setStatus(text, tone) {
  ui.status.textContent = text;
  ui.status.dataset.tone = tone ?? '';
}

/** @param {number} n bytes, as KB or MB */
const mb = (n) =>
  n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;

function fillModels() {
  const scale = Number(ui.scale.value);
  const keep = ui.model.value;
  ui.model.replaceChildren(
    ...state.models
      .filter((m) => m.scale === scale)
      .map((m) => {
        const o = document.createElement('option');
        o.value = m.name;
        o.textContent = m.default ? `${m.name} (default)` : m.name;
        o.title = m.description;
        o.selected = keep ? m.name === keep : m.default;
        return o;
      }),
  );
}

/** @param {FileList | File[]} files */
function addFiles(files) {
  for (const file of files) {
    /** @type {Pending} */
    const p = {
      key: Math.random().toString(36).slice(2),
      name: file.name,
      state: 'uploading',
      sent: 0,
      total: file.size,
      upload: null,
      error: null,
    };
    state.pending.push(p);
    uploadFile(file, (sent, total) => {
      p.sent = sent;
      p.total = total;
      render();
    }).then(
      (upload) => {
        Object.assign(p, { state: 'uploaded', upload });
        render();
      },
      (err) => {
        Object.assign(p, { state: 'failed', error: err.message });
        render();
      },
    );
  }
  state.batch = null;
  render();
}

/** render draws the file list from the pending uploads, or from the batch once there is one. */
function render() {
  ui.batch.hidden = state.pending.length === 0 && state.batch === null;
  const rows = state.batch
    ? state.batch.files.map((/** @type {any} */ f) => ({
        key: f.upload,
        name: f.name,
        state: f.state,
        done: f.tilesDone,
        total: f.tilesTotal || 1,
        error: f.error,
        output: f.output,
      }))
    : state.pending.map((p) => ({
        key: p.upload?.id ?? p.key,
        name: p.name,
        state: p.state,
        done: p.sent,
        total: p.total || 1,
        error: p.error,
        output: null,
      }));
  ui.results.replaceChildren(...rows.map(row));
  const uploaded = state.pending.filter((p) => p.state === 'uploaded').length;
  const busy = state.pending.some((p) => p.state === 'uploading') || (state.batch !== null && isActive(state.batch.state));
  ui.start.disabled = busy || uploaded === 0 || state.batch !== null;
  if (state.batch) {
    const files = state.batch.files;
    const done = files.reduce(
      (a, /** @type {any} */ f) => a + (f.state === 'done' || f.state === 'failed' ? 1 : f.tilesTotal ? f.tilesDone / f.tilesTotal : 0),
      0,
    );
    ui.batchProgress.value = files.length ? done / files.length : 0;
    ui.batch.dataset.state = state.batch.state;
    ui.zip.disabled = !files.some((/** @type {any} */ f) => f.output);
  } else {
    ui.batchProgress.value = 0;
    ui.batch.dataset.state = 'uploading';
    ui.zip.disabled = true;
  }
}

/** @param {string} s */
const isActive = (s) => s === 'queued' || s === 'running';

/** @param {{ key: string, name: string, state: string, done: number, total: number, error: string | null, output: any }} r */
function row(r) {
  const li = document.createElement('li');
  li.dataset.upload = r.key;
  li.dataset.state = r.state;
  const name = document.createElement('span');
  name.textContent = r.name;
  const st = document.createElement('span');
  st.className = 'file-state';
  st.textContent = r.state === 'running' ? `running ${r.done}/${r.total} tiles` : r.state;
  const bar = document.createElement('progress');
  bar.max = r.total;
  bar.value = r.state === 'done' ? r.total : r.done;
  const info = document.createElement('span');
  info.className = 'muted';
  const text =
    r.error ??
    (r.output
      ? `${r.output.width}×${r.output.height} · ${mb(r.output.bytes)}${r.output.notes.length ? ` · ${r.output.notes.join('; ')}` : ''}`
      : '');
  info.append(bar, ` ${text}`);
  const cmp = document.createElement('button');
  cmp.type = 'button';
  cmp.textContent = 'Compare';
  cmp.className = 'compare-button';
  cmp.disabled = !r.output;
  cmp.addEventListener('click', () => void openCompare(r.key, r.name, r.output));
  const dl = document.createElement('button');
  dl.type = 'button';
  dl.textContent = 'Download';
  dl.className = 'download-button';
  dl.disabled = !r.output;
  dl.addEventListener('click', () => {
    if (state.batch && r.output)
      download(`/api/upscale/batches/${state.batch.id}/files/${r.key}`, r.output.name).catch((err) => setStatus(err.message, 'error'));
  });
  li.append(name, st, info, cmp, dl);
  return li;
}

/** denoiseValue is the compression select as the APIs take it: "auto" or a level. */
function denoiseValue() {
  return ui.denoise.value === 'auto' ? 'auto' : Number(ui.denoise.value);
}

async function startBatch() {
  const uploads = state.pending.filter((p) => p.state === 'uploaded').map((p) => p.upload.id);
  const body = {
    uploads,
    model: ui.model.value,
    scale: Number(ui.scale.value),
    denoise: denoiseValue(),
    format: ui.format.value,
    quality: Number(ui.quality.value),
    profile: ui.profile.value,
    metadata: ui.metadata.checked,
  };
  try {
    state.batch = await api('POST', '/api/upscale/batches', body);
    setStatus(`Batch of ${uploads.length} queued…`);
    render();
    pollBatch();
  } catch (err) {
    setStatus(/** @type {Error} */ (err).message, 'error');
  }
}

function pollBatch() {
  if (!state.batch) return;
  api('GET', `/api/upscale/batches/${state.batch.id}`).then(
    (b) => {
      state.batch = b;
      render();
      const done = b.files.filter((/** @type {any} */ f) => f.state === 'done').length;
      if (isActive(b.state)) {
        setStatus(
          `${b.state === 'queued' ? 'Waiting for another batch' : `Upscaling with ${b.model ?? '…'}`}: ${done} of ${b.files.length} done`,
        );
        state.poll = setTimeout(pollBatch, POLL_MS);
      } else {
        setStatus(
          `Batch ${b.state}: ${done} of ${b.files.length} done${b.error ? ` (${b.error})` : ''} with ${b.model ?? 'no model'}. Drop more images for a new batch.`,
          b.state === 'done' ? 'ok' : 'warn',
        );
        state.pending = [];
      }
    },
    (err) => {
      setStatus(err.message, 'error');
      state.poll = setTimeout(pollBatch, POLL_MS * 4);
    },
  );
}

/**
 * openCompare shows an upload beside its result, both fetched as previews with the token.
 * @param {string} upload
 * @param {string} name
 * @param {any} output
 */
async function openCompare(upload, name, output) {
  if (!state.batch || !output) return;
  ui.comparePanel.hidden = false;
  ui.compareName.textContent = name;
  ui.stage.style.aspectRatio = `${output.width} / ${output.height}`;
  ui.stage.style.setProperty('--pane-ratio', `${output.width} / ${output.height}`);
  ui.afterLabel.textContent = `After ${output.width}×${output.height} · ${state.batch.model}`;
  ui.beforeLabel.textContent = 'Before · scaled by the browser';
  for (const u of state.objectUrls.splice(0)) URL.revokeObjectURL(u);
  const show = async (/** @type {HTMLImageElement} */ img, /** @type {string} */ url) => {
    img.dataset.loaded = 'false';
    const href = URL.createObjectURL(await fetchBlob(url));
    state.objectUrls.push(href);
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new Error(`cannot show ${url}`));
      img.src = href;
    });
    img.dataset.loaded = 'true';
  };
  try {
    await Promise.all([
      show(ui.before, `/api/upscale/uploads/${upload}/preview`),
      show(ui.after, `/api/upscale/batches/${state.batch.id}/files/${upload}/preview`),
    ]);
    ui.beforeLabel.textContent = `Before ${ui.before.naturalWidth}×${ui.before.naturalHeight} · scaled by the browser`;
    compare.setZoom(1);
    ui.comparePanel.scrollIntoView({ block: 'nearest' });
  } catch (err) {
    setStatus(/** @type {Error} */ (err).message, 'error');
  }
}

function wire() {
  ui.files.addEventListener('change', () => {
    if (ui.files.files?.length) addFiles([...ui.files.files]);
    ui.files.value = '';
  });
  for (const ev of ['dragenter', 'dragover']) {
    ui.drop.addEventListener(ev, (e) => {
      e.preventDefault();
      ui.drop.dataset.over = 'true';
    });
  }
  ui.drop.addEventListener('dragleave', () => (ui.drop.dataset.over = 'false'));
  ui.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.dataset.over = 'false';
    const files = /** @type {DragEvent} */ (e).dataTransfer?.files;
    if (files?.length) addFiles([...files]);
  });
  ui.scale.addEventListener('change', fillModels);
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void startBatch();
  });
  ui.zip.addEventListener('click', () => {
    if (state.batch)
      download(`/api/upscale/batches/${state.batch.id}/zip`, `uprez-${state.batch.id}.zip`).catch((err) => setStatus(err.message, 'error'));
  });
}

async function init() {
  wire();
  try {
    const m = await api('GET', '/api/upscale/models');
    state.models = m.models;
    ui.maxSize.textContent = mb(m.maxUploadBytes);
    fillModels();
    setStatus('Drop images to start.');
  } catch (err) {
    setStatus(/** @type {Error} */ (err).message, 'error');
  }
  void initVideoJobs(() => ({ scale: Number(ui.scale.value), model: ui.model.value, denoise: denoiseValue() }));
  render();
}

void init();

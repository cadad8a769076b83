// The upscale page's video part: files in the server's jobs input folder, upscaled as a file job
// (POST /api/jobs, the same API as `uprez file` jobs) into an MP4 and an HLS ladder, with the
// job's frame progress and a link to the MP4 when it is done.
import { api } from './upscale-api.js';

const POLL_MS = 1000;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * initVideoJobs lists the videos and wires the video form; `options` reads the page's scale, model and compression level.
 * @param {() => { scale: number, model: string, denoise: 'auto' | number }} options
 */
export async function initVideoJobs(options) {
  const select = /** @type {HTMLSelectElement} */ ($('video'));
  const form = /** @type {HTMLFormElement} */ ($('video-form'));
  const start = /** @type {HTMLButtonElement} */ ($('video-start'));
  const status = $('video-status');
  const bar = /** @type {HTMLProgressElement} */ ($('video-progress'));
  const link = /** @type {HTMLAnchorElement} */ ($('video-download'));

  const run = async () => {
    const input = select.value;
    if (!input) return;
    start.disabled = true;
    link.hidden = true;
    try {
      const { scale, model, denoise } = options();
      const job = await api('POST', '/api/jobs', { type: 'file', input, scale, mp4: true, denoise, ...(model ? { model } : {}) });
      bar.hidden = false;
      const tick = async () => {
        const j = await api('GET', `/api/jobs/${job.id}`);
        const p = j.progress;
        bar.max = p?.total ?? 1;
        bar.value = p ? p.done : 0;
        status.textContent = `${input}: ${j.state}${p ? ` · ${p.done}${p.total ? `/${p.total}` : ''} ${p.unit}` : ''}${j.error ? ` · ${j.error.message}` : ''}`;
        if (j.state === 'done' && j.result?.mp4Url) {
          link.href = j.result.mp4Url;
          link.download = '';
          link.hidden = false;
        }
        if (j.state === 'queued' || j.state === 'running')
          setTimeout(() => void tick().catch((err) => (status.textContent = err.message)), POLL_MS);
        else start.disabled = false;
      };
      await tick();
    } catch (err) {
      status.textContent = /** @type {Error} */ (err).message;
      start.disabled = false;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  try {
    const v = await api('GET', '/api/upscale/videos');
    select.replaceChildren(
      ...v.videos.map((/** @type {string} */ name) => {
        const o = document.createElement('option');
        o.value = name;
        o.textContent = name;
        return o;
      }),
    );
    start.disabled = v.videos.length === 0;
    if (v.videos.length === 0) status.textContent = 'No video files in the jobs input folder.';
  } catch (err) {
    status.textContent = /** @type {Error} */ (err).message;
  }
}

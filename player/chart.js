// A small canvas line chart for the dashboard: time on x (the last minutes), one line per series,
// gaps where a value is unknown. No library: a few dozen lines draw what the dashboard needs.

/**
 * @typedef {{ t: number, v: number | null }} ChartPoint
 * @typedef {{ label: string, color: string, dash?: number[], points: ChartPoint[] }} ChartSeries
 * @typedef {{ series: ChartSeries[], tStart: number, tEnd: number, yMin?: number, yMax?: number, format: (v: number) => string }} ChartData
 */

const PAD = { left: 52, right: 12, top: 10, bottom: 22 };

/**
 * niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so the axis ticks read well.
 * @param {number} v
 */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * drawLineChart draws the series on the canvas at its CSS size (sharp on high-DPI screens) and
 * records the number of points drawn in data-points (for tests and screen readers' summaries).
 * @param {HTMLCanvasElement} canvas
 * @param {ChartData} data
 */
export function drawLineChart(canvas, data) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600;
  const h = canvas.clientHeight || 180;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const style = getComputedStyle(canvas);
  const text = style.getPropertyValue('--chart-text').trim() || '#666';
  const grid = style.getPropertyValue('--chart-grid').trim() || '#ddd';

  const values = data.series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null);
  const yMin = data.yMin ?? 0;
  // Four grid steps of a round size (10, 20, 50 ...), so every tick label is a round number.
  const yMax = data.yMax ?? yMin + 4 * niceMax((Math.max(...values.map(Number), yMin + 1e-9) - yMin) / 4);
  const x = (/** @type {number} */ t) => PAD.left + ((t - data.tStart) / Math.max(1, data.tEnd - data.tStart)) * (w - PAD.left - PAD.right);
  const y = (/** @type {number} */ v) => h - PAD.bottom - ((v - yMin) / (yMax - yMin || 1)) * (h - PAD.top - PAD.bottom);

  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = grid;
  ctx.fillStyle = text;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y(v));
    ctx.lineTo(w - PAD.right, y(v));
    ctx.stroke();
    ctx.fillText(data.format(v), PAD.left - 6, y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const spanMin = (data.tEnd - data.tStart) / 60000;
  const step = spanMin > 6 ? 2 : 1;
  for (let m = 0; m <= spanMin + 1e-6; m += step) {
    const t = data.tEnd - m * 60000;
    ctx.fillText(m === 0 ? 'now' : `−${m} min`, x(t), h - PAD.bottom + 6);
  }

  let drawn = 0;
  for (const s of data.series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.75;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let pen = false;
    for (const p of s.points) {
      if (p.v === null || p.t < data.tStart) {
        pen = false;
        continue;
      }
      const px = x(p.t);
      const py = y(Math.min(yMax, Math.max(yMin, p.v)));
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
      drawn++;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  canvas.dataset.points = String(drawn);
}

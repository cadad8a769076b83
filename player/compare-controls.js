// The controls of a comparison stage, shared by the live comparison (compare.js: two videos) and
// the upscale page (upscale.js: two pictures): a divider dragged over one frame area, the same
// position on a range input (for keyboards), split or side-by-side layout, and zoom into the same
// region of both (pick it by clicking the picture).

/**
 * @typedef {{
 *   bar: HTMLElement,
 *   stage: HTMLElement,
 *   divider: HTMLElement,
 *   split: HTMLInputElement,
 *   zoomSelect: HTMLSelectElement,
 *   media: () => HTMLElement[],
 * }} CompareElements
 */

/** CompareControls wires the split, layout and zoom of one comparison stage. */
export class CompareControls {
  /** @param {CompareElements} els */
  constructor(els) {
    this.els = els;
    this.zoom = { level: 1, x: 50, y: 50 };
    this.wire();
  }

  /** @private */
  wire() {
    const { bar, stage, divider, split, zoomSelect } = this.els;
    for (const b of bar.querySelectorAll('[data-layout]')) {
      b.addEventListener('click', () => this.setLayout(/** @type {HTMLElement} */ (b).dataset.layout ?? 'split'));
    }
    split.addEventListener('input', () => this.setSplit(Number(split.value)));
    divider.addEventListener('pointerdown', (e) => {
      // Drag the divider itself; the range input does the same for keyboards.
      divider.setPointerCapture(e.pointerId);
      const move = (/** @type {PointerEvent} */ ev) => {
        const r = stage.getBoundingClientRect();
        this.setSplit(((ev.clientX - r.left) / r.width) * 100);
      };
      const up = () => {
        divider.removeEventListener('pointermove', move);
        divider.removeEventListener('pointerup', up);
      };
      divider.addEventListener('pointermove', move);
      divider.addEventListener('pointerup', up);
      e.preventDefault();
    });
    zoomSelect.addEventListener('change', () => this.setZoom(Number(zoomSelect.value)));
    stage.addEventListener('click', (e) => {
      if (e.target === divider) return;
      // Clicking picks the region to zoom into (and zooms to 2x if not zoomed yet).
      const pane = stage.dataset.layout === 'side' ? /** @type {HTMLElement} */ (e.target).closest('.compare-pane') : stage;
      const box = (pane ?? stage).getBoundingClientRect();
      this.zoom.x = Math.min(100, Math.max(0, ((e.clientX - box.left) / box.width) * 100));
      this.zoom.y = Math.min(100, Math.max(0, ((e.clientY - box.top) / box.height) * 100));
      if (this.zoom.level === 1) zoomSelect.value = '2';
      this.setZoom(Number(zoomSelect.value));
    });
  }

  /** @param {string} layout "split" (a divider over one frame area) or "side" (side by side) */
  setLayout(layout) {
    const l = layout === 'side' ? 'side' : 'split';
    this.els.stage.dataset.layout = l;
    for (const b of this.els.bar.querySelectorAll('[data-layout]'))
      b.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (b).dataset.layout === l));
    this.els.split.hidden = l !== 'split';
  }

  /** @param {number} percent where the divider sits, 0..100 from the left (before left, after right) */
  setSplit(percent) {
    const p = Math.min(100, Math.max(0, percent));
    this.els.split.value = String(Math.round(p));
    this.els.stage.style.setProperty('--split', `${p}%`);
  }

  /** @param {number} level magnification of both sides around the chosen point (1 = none) */
  setZoom(level) {
    this.zoom.level = level > 1 ? level : 1;
    const t = this.zoom.level === 1 ? '' : `scale(${this.zoom.level})`;
    for (const m of this.els.media()) {
      m.style.transformOrigin = `${this.zoom.x}% ${this.zoom.y}%`;
      m.style.transform = t;
    }
    this.els.stage.dataset.zoom = String(this.zoom.level);
  }
}

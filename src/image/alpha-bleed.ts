/** BLEED_STEPS is how far (in pixels) colour is carried from visible pixels into fully transparent ones. */
export const BLEED_STEPS = 8;

/**
 * bleedUnderTransparency replaces the colour planes under fully transparent pixels (alpha 0), whose
 * stored colour is arbitrary (often black or white), by the colour of the nearest visible pixels:
 * ring by ring, each transparent pixel next to a filled one takes the mean of its filled
 * 8-neighbours, for `steps` rings; pixels farther away take the mean of the visible ones. So neither
 * the model nor the chroma resampler mixes that arbitrary colour into the edge of the visible part
 * (the fringe that premultiplying avoids for a linear resampler). Planes change in place.
 */
export function bleedUnderTransparency(
  planes: readonly Float32Array[],
  alpha: Float32Array,
  w: number,
  h: number,
  steps = BLEED_STEPS,
): void {
  const n = w * h;
  // 0: to fill; 1: visible; k > 1: filled in ring k - 1.
  const state = new Uint8Array(n);
  let holes = 0;
  for (let i = 0; i < n; i++) {
    if ((alpha[i] as number) > 0) state[i] = 1;
    else holes++;
  }
  if (holes === 0 || holes === n) return;
  const sums = new Float64Array(planes.length);
  for (let ring = 2; ring < steps + 2 && holes > 0; ring++) {
    let filled = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (state[i] !== 0) continue;
        let count = 0;
        sums.fill(0);
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            const j = yy * w + xx;
            const s = state[j] as number;
            // Only pixels filled before this ring count, so a ring does not feed on itself.
            if (s === 0 || s >= ring) continue;
            count++;
            for (let p = 0; p < planes.length; p++) (sums[p] as number) += (planes[p] as Float32Array)[j] as number;
          }
        }
        if (count === 0) continue;
        for (let p = 0; p < planes.length; p++) (planes[p] as Float32Array)[i] = (sums[p] as number) / count;
        state[i] = ring;
        filled++;
      }
    }
    holes -= filled;
    if (filled === 0) break;
  }
  if (holes === 0) return;
  // What is left lies farther than `steps` from anything visible: the mean of the visible pixels.
  const mean = new Float64Array(planes.length);
  let visible = 0;
  for (let i = 0; i < n; i++) {
    if (state[i] !== 1) continue;
    visible++;
    for (let p = 0; p < planes.length; p++) (mean[p] as number) += (planes[p] as Float32Array)[i] as number;
  }
  for (let p = 0; p < planes.length; p++) {
    const v = (mean[p] as number) / visible;
    const plane = planes[p] as Float32Array;
    for (let i = 0; i < n; i++) if (state[i] === 0) plane[i] = v;
  }
}

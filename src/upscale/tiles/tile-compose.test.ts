import { describe, expect, test } from 'vitest';
import { cutTile, DEFAULT_FEATHER, pasteTile } from './tile-compose.js';
import { tileGrid } from './tile-grid.js';

/**
 * A frame half model, half bicubic: the left tiles come from a "model" whose output is bicubic
 * plus a strong residual (+24 grey levels over a gentle ramp), the right ones are bicubic. The
 * largest step between neighbouring columns across the join must stay near the picture's own
 * steps: no visible seam. Without feathering the same frame has a 24-level step at the join.
 */
function halfAndHalf(feather: number): { out: Uint8Array; width: number } {
  const g = tileGrid(64, 32, 16); // 4 x 2 tiles, LR
  const s = 2;
  const W = 128;
  const H = 64;
  const bicubic = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) bicubic[y * W + x] = 60 + (x >> 1);
  const model = bicubic.map((v) => v + 24);
  const out = bicubic.slice();
  const isModel = (t: number): boolean => t % g.cols < 2;
  for (let t = 0; t < g.count; t++) if (isModel(t)) pasteTile(out, g, s, t, cutTile(model, g, s, t), isModel, feather);
  return { out, width: W };
}

function maxColumnStep(out: Uint8Array, width: number, from: number, to: number): number {
  let max = 0;
  for (let y = 0; y < out.length / width; y++)
    for (let x = from; x < to; x++) max = Math.max(max, Math.abs((out[y * width + x + 1] as number) - (out[y * width + x] as number)));
  return max;
}

describe('composing model and bicubic tiles', () => {
  test('no visible seam where a model tile meets a bicubic one: the residual fades over the feather', () => {
    const { out, width } = halfAndHalf(DEFAULT_FEATHER);
    // The picture's own step is 0 or 1 per column; the feather adds 24/8 = 3 at most.
    expect(maxColumnStep(out, width, 40, 80)).toBeLessThanOrEqual(1 + Math.ceil(24 / DEFAULT_FEATHER) + 1);
    // Deep inside the model half the model output is untouched; deep in the bicubic half, bicubic.
    expect(out[10 * width + 10]).toBe(60 + 5 + 24);
    expect(out[10 * width + 100]).toBe(60 + 50);
  });

  test('the same frame pasted without feathering has the seam the test above guards against', () => {
    const { out, width } = halfAndHalf(0.0001);
    // 24 levels of residual against the ramp's own +1: a 23-level step at the join
    expect(maxColumnStep(out, width, 40, 80)).toBeGreaterThanOrEqual(23);
  });

  test('between two model tiles nothing is feathered, and corners fade toward a bicubic diagonal neighbour', () => {
    const g = tileGrid(32, 32, 16); // 2 x 2
    const s = 2;
    const W = 64;
    const out = new Uint8Array(W * W).fill(100);
    const model = new Uint8Array(W * W).fill(180);
    const isModel = (t: number): boolean => t !== 3; // bottom-right stays bicubic
    for (const t of [0, 1, 2]) pasteTile(out, g, s, t, cutTile(model, g, s, t), isModel);
    expect(out[0]).toBe(180); // the frame's own corner: no neighbour, full model
    expect(out[15 * W + 31]).toBe(180); // tile 0's right edge meets model tile 1: untouched
    expect(out[31 * W + 31]).toBeLessThan(120); // tile 0's corner touches bicubic tile 3: faded
    expect(out[31 * W + 63]).toBeLessThan(120); // tile 1's bottom edge meets tile 3: faded
    expect(out[63 * W + 63]).toBe(100); // tile 3 itself: bicubic
  });

  test('the banded paste equals a per-pixel reference for every neighbourhood (random model/bicubic maps)', () => {
    const g = tileGrid(80, 48, 16); // 5 x 3 tiles
    const s = 2;
    const W = 160;
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    for (let trial = 0; trial < 30; trial++) {
      const modelTiles = new Set<number>();
      for (let t = 0; t < g.count; t++) if (rnd() < 0.6) modelTiles.add(t);
      const isModel = (t: number): boolean => modelTiles.has(t);
      const bic = new Uint8Array(W * 96).map(() => Math.floor(rnd() * 256));
      const model = new Uint8Array(W * 96).map(() => Math.floor(rnd() * 256));
      const got = bic.slice();
      for (const t of modelTiles) pasteTile(got, g, s, t, cutTile(model, g, s, t), isModel);
      const want = bic.slice();
      for (const t of modelTiles) referencePaste(want, g, s, t, cutTile(model, g, s, t), isModel);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    }
  });
});

/** referencePaste is the feathering rule pixel by pixel: the weight is the least ramp to any bicubic neighbour. */
function referencePaste(
  out: Uint8Array,
  g: ReturnType<typeof tileGrid>,
  scale: number,
  i: number,
  model: Uint8Array,
  isModel: (t: number) => boolean,
): void {
  const col = i % g.cols;
  const row = Math.floor(i / g.cols);
  const tw = Math.min(g.tile, g.width - col * g.tile) * scale;
  const th = Math.min(g.tile, g.height - row * g.tile) * scale;
  const hrW = g.width * scale;
  const ramp = (d: number): number => Math.min(1, Math.max(0, (d - 0.5) / DEFAULT_FEATHER));
  const bic = (dc: number, dr: number): boolean => {
    const c = col + dc;
    const r = row + dr;
    return c >= 0 && r >= 0 && c < g.cols && r < g.rows && !isModel(r * g.cols + c);
  };
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      let w = 1;
      if (bic(-1, 0)) w = Math.min(w, ramp(x + 1));
      if (bic(1, 0)) w = Math.min(w, ramp(tw - x));
      if (bic(0, -1)) w = Math.min(w, ramp(y + 1));
      if (bic(0, 1)) w = Math.min(w, ramp(th - y));
      if (bic(-1, -1)) w = Math.min(w, ramp(Math.max(x + 1, y + 1)));
      if (bic(1, -1)) w = Math.min(w, ramp(Math.max(tw - x, y + 1)));
      if (bic(-1, 1)) w = Math.min(w, ramp(Math.max(x + 1, th - y)));
      if (bic(1, 1)) w = Math.min(w, ramp(Math.max(tw - x, th - y)));
      const d = (row * g.tile * scale + y) * hrW + col * g.tile * scale + x;
      const m = model[y * tw + x] as number;
      const b = out[d] as number;
      out[d] = w >= 1 ? m : w > 0 ? b + Math.round(w * (m - b)) : b;
    }
  }
}

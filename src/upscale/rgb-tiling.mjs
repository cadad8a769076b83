// @ts-check
/**
 * Tiling and pixel conversion for RGB float models (layout 'rgb_float': float32 [1,3,H,W] in 0..1
 * -> float32 [1,3,sH,sW]), used by inference-worker.mjs. Plain ESM so the worker loads it as-is
 * under vitest and after tsc; pure functions, unit-tested in rgb-tiling.test.ts.
 *
 * Why Y replicated as grey, not a YUV->RGB->YUV round trip: the stage's contract is luma in, luma
 * out (chroma is upscaled bicubically, as for our own models). A grey pixel has Cb = Cr = 128 in
 * every YCbCr matrix (BT.601, BT.709, ...), so feeding R = G = B = (Y - 16) / 219 is the exact
 * RGB of the frame's achromatic content whatever matrix the stream uses, needs no 4:2:0 chroma
 * upsampling before the model, and the output's luma is read back with the matrix-independent
 * weights of a grey result (see lumaOf). What is lost is the model seeing colour edges that have no
 * luma edge, which luma-only SR does not use anyway.
 *
 * Why tiles: RGB SR networks from elsewhere are often large (millions of parameters, activations
 * of 64+ channels at LR or HR size), so one run over a whole 1280x720 frame can need gigabytes.
 * The frame is cut into tiles of at most `tile` x `tile` LR pixels, each run with `overlap` pixels
 * of real context on every side (less at the frame edge, where the frame ends anyway), and only
 * the tile's own core is kept from the output (cropped, not blended): a model whose receptive
 * field is at most `overlap` LR pixels gives exactly its untiled output, and memory is bounded by
 * (tile + 2 overlap)^2 input pixels per run whatever the frame size.
 */

/**
 * @typedef {object} Tile
 * @property {number} x core left (LR pixels)
 * @property {number} y core top
 * @property {number} w core width
 * @property {number} h core height
 * @property {number} px padded region left (core widened by the overlap, clipped to the frame)
 * @property {number} py padded region top
 * @property {number} pw padded region width
 * @property {number} ph padded region height
 */

/**
 * planTiles cuts a width x height frame into cores of at most `tile` pixels a side (the last row and
 * column take the remainder) and widens each by `overlap` on every side, clipped to the frame.
 * @param {number} width @param {number} height @param {number} tile @param {number} overlap
 * @returns {Tile[]} in raster order; the cores cover the frame exactly once
 */
export function planTiles(width, height, tile, overlap) {
  if (!(Number.isInteger(tile) && tile >= 1)) throw new RangeError(`tile must be a whole number >= 1, got ${tile}`);
  if (!(Number.isInteger(overlap) && overlap >= 0)) throw new RangeError(`overlap must be a whole number >= 0, got ${overlap}`);
  /** @type {Tile[]} */
  const tiles = [];
  for (let y = 0; y < height; y += tile) {
    const h = Math.min(tile, height - y);
    const py = Math.max(0, y - overlap);
    const ph = Math.min(height, y + h + overlap) - py;
    for (let x = 0; x < width; x += tile) {
      const w = Math.min(tile, width - x);
      const px = Math.max(0, x - overlap);
      const pw = Math.min(width, x + w + overlap) - px;
      tiles.push({ x, y, w, h, px, py, pw, ph });
    }
  }
  return tiles;
}

/** Studio-range luma: black 16, white 235 (what yuv420p frames carry). */
const Y_BLACK = 16;
const Y_RANGE = 219;

/**
 * lumaTileToRgb returns the padded region of tile `t` of a `stride`-wide Y plane as planar RGB
 * float (R = G = B = (Y - 16) / 219, not clamped, so super-black/white survive the round trip).
 * @param {Uint8Array} y @param {number} stride @param {Tile} t
 * @returns {Float32Array} 3 * pw * ph values in [1,3,ph,pw] order
 */
export function lumaTileToRgb(y, stride, t) {
  const n = t.pw * t.ph;
  const buf = new Float32Array(3 * n);
  for (let r = 0; r < t.ph; r++) {
    const src = (t.py + r) * stride + t.px;
    const dst = r * t.pw;
    for (let c = 0; c < t.pw; c++) {
      // A cast of its own: Prettier moves a JSDoc cast inside arithmetic onto the whole expression.
      const v = /** @type {number} */ (y[src + c]);
      buf[dst + c] = (v - Y_BLACK) / Y_RANGE;
    }
  }
  buf.copyWithin(n, 0, n);
  buf.copyWithin(2 * n, 0, n);
  return buf;
}

/**
 * lumaOf is the studio-range luma of a model's RGB output pixel, rounded and clamped to 0..255.
 * The weights (BT.601) matter only for colour the model invented from a grey input; for a grey
 * output every matrix gives 16 + 219 * R.
 * @param {number} r @param {number} g @param {number} b
 */
export function lumaOf(r, g, b) {
  // 0.299 r + 0.587 g + 0.114 b, written so that a grey pixel gives exactly r (the weights do not
  // sum to exactly 1 in floating point).
  const v = Math.round(Y_BLACK + Y_RANGE * (r + 0.587 * (g - r) + 0.114 * (b - r)));
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * writeTileLuma copies the core of tile `t` from the model's output (planar RGB float, the padded
 * region upscaled by `scale`) into `dst`, the upscaled Y plane (`dstStride` = width * scale).
 * @param {Float32Array} rgb @param {Tile} t @param {number} scale
 * @param {Uint8Array} dst @param {number} dstStride
 */
export function writeTileLuma(rgb, t, scale, dst, dstStride) {
  const ow = t.pw * scale;
  const plane = ow * t.ph * scale;
  const offX = (t.x - t.px) * scale;
  const offY = (t.y - t.py) * scale;
  const cw = t.w * scale;
  const ch = t.h * scale;
  for (let r = 0; r < ch; r++) {
    const src = (offY + r) * ow + offX;
    const out = (t.y * scale + r) * dstStride + t.x * scale;
    for (let c = 0; c < cw; c++) {
      const i = src + c;
      dst[out + c] = lumaOf(
        /** @type {number} */ (rgb[i]),
        /** @type {number} */ (rgb[i + plane]),
        /** @type {number} */ (rgb[i + 2 * plane]),
      );
    }
  }
}

/**
 * @typedef {object} TiledRun
 * @property {Uint8Array} y the upscaled Y plane (width*scale x height*scale)
 * @property {number} scale the model's scale, read from the first tile's output
 * @property {number} tiles how many model runs it took
 * @property {number} maxTilePixels the largest input a single run saw (pw * ph LR pixels)
 */

/**
 * upscaleLumaTiled runs `run` (one model call: planar RGB float [1,3,h,w] in, [1,3,sh,sw] out) over
 * the tiles of a Y plane and assembles the upscaled Y. The scale is read from the first tile's
 * output (a whole number, the same on both axes) and every later tile must agree with it, so the
 * caller needs no card to know it.
 * @param {(rgb: Float32Array, width: number, height: number) => Promise<{ data: Float32Array; width: number; height: number }>} run
 * @param {Uint8Array} y @param {number} width @param {number} height
 * @param {{ tile: number; overlap: number }} opts
 * @returns {Promise<TiledRun>}
 */
export async function upscaleLumaTiled(run, y, width, height, opts) {
  const tiles = planTiles(width, height, opts.tile, opts.overlap);
  let scale = 0;
  /** @type {Uint8Array} */
  let dst = new Uint8Array(0);
  let maxTilePixels = 0;
  for (const t of tiles) {
    const out = await run(lumaTileToRgb(y, width, t), t.pw, t.ph);
    if (scale === 0) {
      scale = out.width / t.pw;
      if (!Number.isInteger(scale) || scale < 1 || out.height !== t.ph * scale) {
        throw new Error(`a ${t.pw}x${t.ph} input came out ${out.width}x${out.height}: not a whole-number scale, the same on both axes`);
      }
      dst = new Uint8Array(width * scale * height * scale);
    } else if (out.width !== t.pw * scale || out.height !== t.ph * scale) {
      throw new Error(`a ${t.pw}x${t.ph} tile came out ${out.width}x${out.height}, expected x${scale} like the first tile`);
    }
    writeTileLuma(out.data, t, scale, dst, width * scale);
    maxTilePixels = Math.max(maxTilePixels, t.pw * t.ph);
  }
  return { y: dst, scale, tiles: tiles.length, maxTilePixels };
}

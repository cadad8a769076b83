// @ts-check
/**
 * Tiling for uint8 luma models (layout 'y_uint8', ours): a frame is run as tiles of at most
 * `tile` x `tile` LR pixels, each with `halo` pixels of real context (less at the frame edge,
 * where the model pads as it does for a whole frame), and only each tile's core is kept. With a
 * halo of at least the model's receptive radius the result is the whole-frame output, bit for
 * bit (checked for every shipped model in luma-tiling.test.ts). Why: onnxruntime's CPU arena
 * grows to the largest activation it has seen and keeps it for the session's life; a 1280x720
 * frame through uprez-x2-fast grew one session to ~460 MB, and a stream ran four sessions. Tiles
 * bound every activation by the tile size, whatever the frame size, at about 6 % of the time.
 * Windows start on even pixels (tiles and halos are even) so a model with a stride-2 stage sees
 * the same sampling grid as on the whole frame.
 */
import { planTiles } from './rgb-tiling.mjs';

/** @typedef {import('./rgb-tiling.mjs').Tile} Tile */
/** @typedef {(y: Uint8Array, width: number, height: number) => Promise<{ y: Uint8Array; width: number; height: number }>} LumaRun */

/**
 * cropWindow copies tile `t`'s padded window out of a `stride`-wide plane.
 * @param {Uint8Array} y @param {number} stride @param {Tile} t @returns {Uint8Array}
 */
export function cropWindow(y, stride, t) {
  const out = new Uint8Array(t.pw * t.ph);
  for (let r = 0; r < t.ph; r++) {
    const src = (t.py + r) * stride + t.px;
    out.set(y.subarray(src, src + t.pw), r * t.pw);
  }
  return out;
}

/**
 * pasteCore copies the core of tile `t` from its window's upscaled output into `dst`.
 * @param {Uint8Array} out the window upscaled (pw*scale x ph*scale) @param {Tile} t @param {number} scale
 * @param {Uint8Array} dst @param {number} dstStride
 */
export function pasteCore(out, t, scale, dst, dstStride) {
  const ow = t.pw * scale;
  const offX = (t.x - t.px) * scale;
  const offY = (t.y - t.py) * scale;
  const cw = t.w * scale;
  for (let r = 0; r < t.h * scale; r++) {
    const src = (offY + r) * ow + offX;
    dst.set(out.subarray(src, src + cw), (t.y * scale + r) * dstStride + t.x * scale);
  }
}

/**
 * upscaleLumaInTiles runs a uint8 luma model over the tiles of a plane and assembles its output.
 * @param {LumaRun} run @param {Uint8Array} y @param {number} width @param {number} height
 * @param {{ tile: number; halo: number; scale: number }} o
 * @returns {Promise<{ y: Uint8Array; tiles: number; maxTilePixels: number }>}
 */
export async function upscaleLumaInTiles(run, y, width, height, o) {
  if (o.tile % 2 || o.halo % 2) throw new RangeError(`tile (${o.tile}) and halo (${o.halo}) must be even`);
  const dst = new Uint8Array(width * o.scale * height * o.scale);
  const tiles = planTiles(width, height, o.tile, o.halo);
  let maxTilePixels = 0;
  for (const t of tiles) {
    const r = await run(cropWindow(y, width, t), t.pw, t.ph);
    if (r.width !== t.pw * o.scale || r.height !== t.ph * o.scale) {
      throw new Error(`a ${t.pw}x${t.ph} tile came out ${r.width}x${r.height}, expected x${o.scale}`);
    }
    pasteCore(r.y, t, o.scale, dst, width * o.scale);
    maxTilePixels = Math.max(maxTilePixels, t.pw * t.ph);
  }
  return { y: dst, tiles: tiles.length, maxTilePixels };
}

/** Side of the probe frame (LR pixels); receptive radii up to a third of it can be measured. */
const PROBE_SIDE = 96;

/**
 * probeReceptiveRadius measures how far (in LR pixels) a change of one input pixel reaches in a
 * model's output: a textured frame is run, then the same frame with single pixels flipped, and
 * the farthest changed output pixel is found. Returns null when the change reaches further than
 * the probe can tell (the model is then run on whole frames).
 * @param {LumaRun} run @returns {Promise<{ radius: number; scale: number } | null>}
 */
export async function probeReceptiveRadius(run) {
  const n = PROBE_SIDE;
  const base = new Uint8Array(n * n);
  let seed = 12345;
  for (let i = 0; i < base.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    base[i] = 40 + ((seed >>> 16) % 176);
  }
  const ref = await run(base, n, n);
  const scale = ref.width / n;
  if (!Number.isInteger(scale) || scale < 1 || ref.height !== n * scale) return null;
  let radius = 0;
  for (const [px, py] of [
    [48, 48],
    [47, 49],
    [49, 46],
  ]) {
    const probe = base.slice();
    const i = /** @type {number} */ (py) * n + /** @type {number} */ (px);
    probe[i] = /** @type {number} */ (probe[i]) ^ 0x80;
    const out = await run(probe, n, n);
    for (let Y = 0; Y < n * scale; Y++) {
      for (let X = 0; X < n * scale; X++) {
        const k = Y * n * scale + X;
        if (out.y[k] === ref.y[k]) continue;
        const d = Math.max(
          Math.abs(Math.floor(X / scale) - /** @type {number} */ (px)),
          Math.abs(Math.floor(Y / scale) - /** @type {number} */ (py)),
        );
        radius = Math.max(radius, d);
      }
    }
  }
  return radius >= n / 3 ? null : { radius, scale };
}

/**
 * haloFor is the halo used for a measured radius: two pixels of margin (a weight that rounded
 * away in the probe), rounded up to an even number of at least 8.
 * @param {number} radius
 */
export function haloFor(radius) {
  return Math.max(8, Math.ceil((radius + 2) / 8) * 8);
}

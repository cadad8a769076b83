/**
 * Composing a frame from model tiles and bicubic: the output Y starts as bicubic everywhere and
 * each model tile is pasted over it. Where a model tile meets a bicubic one, the model's change
 * over bicubic (its residual: our models output bicubic plus a learned residual) is feathered to
 * zero over `feather` HR pixels inside the model tile, so the two join without a visible seam;
 * between two model tiles nothing is feathered (each tile already equals the whole-frame output).
 */
import { tileRect, type TileGrid } from './tile-grid.js';

/** DEFAULT_FEATHER: HR pixels over which a model tile's residual fades out at a bicubic neighbour. */
export const DEFAULT_FEATHER = 8;

/**
 * pasteTile writes tile i's model luma (`model`, the tile's own HR block, width x scale wide)
 * into `out` (the frame's HR Y, already bicubic), feathered against the neighbours that
 * `isModel` says are not model tiles.
 */
export function pasteTile(
  out: Uint8Array,
  g: TileGrid,
  scale: number,
  i: number,
  model: Uint8Array,
  isModel: (tile: number) => boolean,
  feather = DEFAULT_FEATHER,
): void {
  const r = tileRect(g, i);
  const col = i % g.cols;
  const row = (i / g.cols) | 0;
  const hrW = g.width * scale;
  const tw = r.width * scale;
  const th = r.height * scale;
  const x0 = r.x * scale;
  const y0 = r.y * scale;
  const bicubicAt = (dc: number, dr: number): boolean => {
    const c = col + dc;
    const rr = row + dr;
    if (c < 0 || rr < 0 || c >= g.cols || rr >= g.rows) return false; // the frame edge: nothing to join
    return !isModel(rr * g.cols + c);
  };
  const left = bicubicAt(-1, 0);
  const right = bicubicAt(1, 0);
  const up = bicubicAt(0, -1);
  const down = bicubicAt(0, 1);
  const corners = [bicubicAt(-1, -1), bicubicAt(1, -1), bicubicAt(-1, 1), bicubicAt(1, 1)] as const;
  if (!left && !right && !up && !down && !corners.some(Boolean)) {
    for (let y = 0; y < th; y++) out.set(model.subarray(y * tw, (y + 1) * tw), (y0 + y) * hrW + x0);
    return;
  }
  const ramp = (d: number): number => Math.min(1, Math.max(0, (d - 0.5) / feather));
  // Column weights from the left and right neighbours; full weight between the two bands.
  const wx = new Float32Array(tw);
  for (let x = 0; x < tw; x++) wx[x] = Math.min(left ? ramp(x + 1) : 1, right ? ramp(tw - x) : 1);
  const band = Math.ceil(feather + 0.5);
  const x0Full = left ? Math.min(tw, band) : 0;
  const x1Full = right ? Math.max(x0Full, tw - band) : tw;
  const blend = (dst: number, m: number, w: number): void => {
    if (w >= 1) out[dst] = m;
    else if (w > 0) {
      const b = out[dst] as number;
      out[dst] = b + Math.round(w * (m - b));
    }
  };
  for (let y = 0; y < th; y++) {
    const wy = Math.min(up ? ramp(y + 1) : 1, down ? ramp(th - y) : 1);
    const src = y * tw;
    const dst = (y0 + y) * hrW + x0;
    // A corner neighbour matters only within `band` rows of its corner.
    const nearTop = y < band;
    const nearBottom = th - y <= band;
    const cornerRow = (nearTop && (corners[0] || corners[1])) || (nearBottom && (corners[2] || corners[3]));
    if (wy >= 1 && !cornerRow && x1Full > x0Full) {
      // The rows' middle is full model: one copy; only the side bands blend.
      out.set(model.subarray(src + x0Full, src + x1Full), dst + x0Full);
      for (let x = 0; x < x0Full; x++) blend(dst + x, model[src + x] as number, wx[x] as number);
      for (let x = x1Full; x < tw; x++) blend(dst + x, model[src + x] as number, wx[x] as number);
      continue;
    }
    const dy = [y + 1, y + 1, th - y, th - y] as const;
    for (let x = 0; x < tw; x++) {
      let w = Math.min(wy, wx[x] as number);
      if (w > 0 && cornerRow) {
        const dx = [x + 1, tw - x, x + 1, tw - x] as const;
        for (let k = 0; k < 4; k++) if (corners[k]) w = Math.min(w, ramp(Math.max(dx[k] as number, dy[k] as number)));
      }
      blend(dst + x, model[src + x] as number, w);
    }
  }
}

/** cutTile copies tile i's HR block out of a whole HR plane (for caching a tile's model output). */
export function cutTile(hr: Uint8Array, g: TileGrid, scale: number, i: number): Uint8Array {
  const r = tileRect(g, i);
  const hrW = g.width * scale;
  const tw = r.width * scale;
  const th = r.height * scale;
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) {
    const s = (r.y * scale + y) * hrW + r.x * scale;
    out.set(hr.subarray(s, s + tw), y * tw);
  }
  return out;
}

/** cutFromRegion copies tile i's HR block out of a region's HR output (the region covers the tile). */
export function cutFromRegion(
  region: Uint8Array,
  regionX: number,
  regionY: number,
  regionW: number,
  g: TileGrid,
  scale: number,
  i: number,
): Uint8Array {
  const r = tileRect(g, i);
  const rw = regionW * scale;
  const tw = r.width * scale;
  const th = r.height * scale;
  const ox = (r.x - regionX) * scale;
  const oy = (r.y - regionY) * scale;
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) {
    const s = (oy + y) * rw + ox;
    out.set(region.subarray(s, s + tw), y * tw);
  }
  return out;
}

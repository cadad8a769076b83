import { describe, expect, test } from 'vitest';
import { lumaOf, lumaTileToRgb, planTiles, upscaleLumaTiled, writeTileLuma, type Tile } from './rgb-tiling.mjs';

/** A fake RGB model in JS: a (2r+1)-wide horizontal box blur on each channel (receptive field r), then nearest xS. */
function boxThenNearest(r: number, scale: number) {
  return async (rgb: Float32Array, w: number, h: number) => {
    const plane = w * h;
    const ow = w * scale;
    const oh = h * scale;
    const data = new Float32Array(3 * ow * oh);
    for (let c = 0; c < 3; c++) {
      const blurred = new Float32Array(plane);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let sum = 0;
          for (let d = -r; d <= r; d++) {
            const xx = x + d;
            // zero padding, like a conv: what makes tiles without enough overlap differ
            if (xx >= 0 && xx < w) sum += rgb[c * plane + y * w + xx] as number;
          }
          blurred[y * w + x] = sum / (2 * r + 1);
        }
      }
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) data[c * ow * oh + y * ow + x] = blurred[Math.floor(y / scale) * w + Math.floor(x / scale)] as number;
      }
    }
    return { data, width: ow, height: oh };
  };
}

function texture(w: number, h: number): Uint8Array {
  return new Uint8Array(w * h).map((_, i) => 16 + ((i * 97 + ((i / w) | 0) * 31) % 220));
}

describe('planTiles', () => {
  test.each([
    [100, 60, 256, 16, 1],
    [640, 360, 256, 16, 6],
    [257, 256, 256, 16, 2],
    [150, 100, 64, 8, 6],
    [1, 1, 64, 8, 1],
  ])('%ix%i in tiles of %i (+%i) -> %i tiles covering every pixel once, context clipped to the frame', (w, h, tile, overlap, count) => {
    const tiles = planTiles(w, h, tile, overlap);
    expect(tiles).toHaveLength(count);
    const cover = new Uint8Array(w * h);
    for (const t of tiles) {
      expect(t.w).toBeLessThanOrEqual(tile);
      expect(t.h).toBeLessThanOrEqual(tile);
      expect(t.pw).toBeLessThanOrEqual(tile + 2 * overlap);
      expect(t.ph).toBeLessThanOrEqual(tile + 2 * overlap);
      expect(t.px).toBe(Math.max(0, t.x - overlap));
      expect(t.py).toBe(Math.max(0, t.y - overlap));
      expect(t.px + t.pw).toBe(Math.min(w, t.x + t.w + overlap));
      expect(t.py + t.ph).toBe(Math.min(h, t.y + t.h + overlap));
      for (let y = t.y; y < t.y + t.h; y++) for (let x = t.x; x < t.x + t.w; x++) cover[y * w + x]! += 1;
    }
    expect(cover.every((c) => c === 1)).toBe(true);
  });

  test.each([
    [0, 8],
    [1.5, 0],
    [64, -1],
  ])('refuses tile %s overlap %s', (tile, overlap) => {
    expect(() => planTiles(10, 10, tile, overlap)).toThrow(RangeError);
  });
});

describe('pixel conversion', () => {
  test('Y becomes grey RGB, (Y - 16) / 219 on all three planes, from the padded region', () => {
    const w = 5;
    const y = new Uint8Array([16, 235, 126, 0, 255, 16, 16, 16, 16, 16]);
    const t: Tile = { x: 1, y: 0, w: 2, h: 2, px: 0, py: 0, pw: 5, ph: 2 };
    const rgb = lumaTileToRgb(y, w, t);
    expect(rgb).toHaveLength(30);
    expect(rgb[0]).toBe(0);
    expect(rgb[1]).toBeCloseTo(1, 6);
    expect(rgb[2]).toBeCloseTo(110 / 219, 6);
    expect(rgb[3]).toBeCloseTo(-16 / 219, 6); // below black is kept, not clamped
    expect(rgb[4]).toBeCloseTo(239 / 219, 6);
    expect([...rgb.subarray(10, 20)]).toEqual([...rgb.subarray(0, 10)]);
    expect([...rgb.subarray(20, 30)]).toEqual([...rgb.subarray(0, 10)]);
  });

  test.each([
    [0, 0, 0, 16],
    [1, 1, 1, 235],
    [0.5, 0.5, 0.5, 126],
    [1, 0, 0, 81],
    [-1, -1, -1, 0],
    [2, 2, 2, 255],
  ])('lumaOf(%s, %s, %s) = %i', (r, g, b, want) => {
    expect(lumaOf(r, g, b)).toBe(want);
  });

  test('every Y value survives the round trip through an identity model', () => {
    const y = new Uint8Array(256).map((_, i) => i);
    const t: Tile = { x: 0, y: 0, w: 256, h: 1, px: 0, py: 0, pw: 256, ph: 1 };
    const out = new Uint8Array(256);
    writeTileLuma(lumaTileToRgb(y, 256, t), t, 1, out, 256);
    expect([...out]).toEqual([...y]);
  });
});

describe('upscaleLumaTiled', () => {
  test('tiles with overlap >= the receptive field give the untiled output exactly; the scale is read from the output', async () => {
    const [w, h] = [150, 70];
    const y = texture(w, h);
    const model = boxThenNearest(3, 3);
    const whole = await upscaleLumaTiled(model, y, w, h, { tile: 1024, overlap: 0 });
    expect(whole).toMatchObject({ scale: 3, tiles: 1, maxTilePixels: w * h });
    const tiled = await upscaleLumaTiled(model, y, w, h, { tile: 32, overlap: 3 });
    expect(tiled.tiles).toBe(5 * 3);
    expect(tiled.maxTilePixels).toBeLessThanOrEqual(38 * 38);
    expect(tiled.y.length).toBe(w * 3 * h * 3);
    expect(Buffer.from(tiled.y).equals(Buffer.from(whole.y))).toBe(true);
  });

  test('too little overlap shows at the seams (so the equality above is a real check)', async () => {
    const [w, h] = [150, 70];
    const y = texture(w, h);
    const model = boxThenNearest(3, 3);
    const whole = await upscaleLumaTiled(model, y, w, h, { tile: 1024, overlap: 0 });
    const seamy = await upscaleLumaTiled(model, y, w, h, { tile: 32, overlap: 1 });
    expect(Buffer.from(seamy.y).equals(Buffer.from(whole.y))).toBe(false);
  });

  test('a model whose output is not a whole-number scale, or changes scale between tiles, is an error', async () => {
    const y = texture(40, 20);
    const odd = async (_: Float32Array, w: number, h: number) => ({ data: new Float32Array(3 * (w + 1) * h), width: w + 1, height: h });
    await expect(upscaleLumaTiled(odd, y, 40, 20, { tile: 64, overlap: 0 })).rejects.toThrow('whole-number scale');
    let calls = 0;
    const drifting = async (_: Float32Array, w: number, h: number) => {
      const s = ++calls === 1 ? 2 : 3;
      return { data: new Float32Array(3 * w * s * h * s), width: w * s, height: h * s };
    };
    await expect(upscaleLumaTiled(drifting, y, 40, 20, { tile: 16, overlap: 2 })).rejects.toThrow('expected x2');
  });
});

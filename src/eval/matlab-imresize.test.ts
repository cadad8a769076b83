import { describe, expect, test } from 'vitest';
import { cubicKernel, imresizeF64, imresizeOutputLength, imresizeU8, imresizeWeights, roundU8 } from './matlab-imresize.js';

/** Sums the weights of one output sample per (mirrored) source index. */
function weightsBySource(inLength: number, outLength: number, scale: number, o: number): Map<number, number> {
  const rw = imresizeWeights(inLength, outLength, scale);
  const m = new Map<number, number>();
  for (let t = 0; t < rw.taps; t++) {
    const w = rw.weights[o * rw.taps + t] as number;
    if (w === 0) continue;
    const i = rw.indices[o * rw.taps + t] as number;
    m.set(i, (m.get(i) ?? 0) + w);
  }
  return m;
}

describe('cubicKernel', () => {
  test.each([
    [0, 1],
    [0.25, 0.8671875],
    [0.5, 0.5625],
    [-0.75, 0.2265625],
    [1, 0],
    [1.25, -0.0703125],
    [1.5, -0.0625],
    [-1.75, -0.0234375],
    [2, 0],
    [3, 0],
  ])('k(%d) = %d', (x, v) => expect(cubicKernel(x)).toBeCloseTo(v, 12));
});

describe('imresizeWeights', () => {
  test.each([
    [10, 5, 0.5],
    [12, 3, 0.25],
    [10, 20, 2],
    [7, 28, 4],
    [5, 2, 1 / 3],
  ])('every row sums to 1 and indices stay inside (%d -> %d at %d)', (inLen, outLen, scale) => {
    const rw = imresizeWeights(inLen, outLen, scale);
    for (let o = 0; o < outLen; o++) {
      let sum = 0;
      for (let t = 0; t < rw.taps; t++) {
        sum += rw.weights[o * rw.taps + t] as number;
        const i = rw.indices[o * rw.taps + t] as number;
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(inLen);
      }
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  test('antialiased x1/2 stretches the kernel to 8 taps (+2) and halves it', () => {
    const rw = imresizeWeights(16, 8, 0.5);
    expect(rw.taps).toBe(10);
    // Interior sample 3 is centred between sources 6 and 7 (0-based).
    const m = weightsBySource(16, 8, 0.5, 3);
    const expected: Array<[number, number]> = [
      [3, -0.01171875],
      [4, -0.03515625],
      [5, 0.11328125],
      [6, 0.43359375],
      [7, 0.43359375],
      [8, 0.11328125],
      [9, -0.03515625],
      [10, -0.01171875],
    ];
    expect([...m.keys()].sort((a, b) => a - b)).toEqual(expected.map(([i]) => i));
    for (const [i, w] of expected) expect(m.get(i)).toBeCloseTo(w, 12);
  });

  test('the first x1/2 sample mirrors its taps with edge duplication', () => {
    const m = weightsBySource(16, 8, 0.5, 0);
    const expected: Array<[number, number]> = [
      [0, 0.546875],
      [1, 0.3984375],
      [2, 0.1015625],
      [3, -0.03515625],
      [4, -0.01171875],
    ];
    for (const [i, w] of expected) expect(m.get(i)).toBeCloseTo(w, 12);
    expect(m.size).toBe(expected.length);
  });

  test('the first x2 sample sits a quarter pixel left of source 0 and mirrors', () => {
    const m = weightsBySource(4, 8, 2, 0);
    expect(m.get(0)).toBeCloseTo(1.09375, 12);
    expect(m.get(1)).toBeCloseTo(-0.09375, 12);
    expect(m.size).toBe(2);
  });

  test('without antialiasing a downscale keeps the 4-tap kernel', () => {
    expect(imresizeWeights(16, 8, 0.5, false).taps).toBe(6);
  });

  test('rejects empty sizes', () => {
    expect(() => imresizeWeights(0, 4, 2)).toThrow(RangeError);
  });
});

describe('roundU8', () => {
  test.each([
    [-3, 0],
    [0, 0],
    [0.49, 0],
    [0.5, 1],
    [107.5, 108],
    [254.4, 254],
    [254.5, 255],
    [300, 255],
    [Number.NaN, 0],
  ])('%d -> %d', (v, r) => expect(roundU8(v)).toBe(r));
});

describe('imresize', () => {
  test.each([
    [9, 7, 0.5],
    [8, 8, 0.25],
    [5, 3, 2],
    [3, 4, 4],
  ])('a constant %dx%d plane stays constant at scale %d', (w, h, scale) => {
    const src = new Uint8Array(w * h).fill(137);
    const u8 = imresizeU8(src, w, h, scale);
    expect(u8.width).toBe(imresizeOutputLength(w, scale));
    expect(u8.height).toBe(imresizeOutputLength(h, scale));
    expect([...new Set(u8.data)]).toEqual([137]);
    for (const v of imresizeF64(src, w, h, scale).data) expect(v).toBeCloseTo(137, 10);
  });

  test('output size is ceil(size * scale)', () => {
    expect(imresizeOutputLength(57, 0.5)).toBe(29);
    const r = imresizeF64(new Float64Array(57 * 3), 57, 3, 0.5);
    expect([r.width, r.height]).toEqual([29, 2]);
  });

  test('bicubic reproduces a linear ramp away from the borders (x2)', () => {
    const w = 16;
    const src = Float64Array.from({ length: w * 2 }, (_, i) => 10 * (i % w));
    const r = imresizeF64(src, w, 2, 2);
    for (let o = 4; o < r.width - 4; o++) {
      // MATLAB's output o (0-based) samples the source at 0-based coordinate (o + 1) / 2 + 0.25 - 1.
      expect(r.data[o]).toBeCloseTo(10 * ((o + 1) / 2 - 0.75), 10);
      expect(r.data[r.width * 3 + o]).toBeCloseTo(10 * ((o + 1) / 2 - 0.75), 10);
    }
  });

  test('the first x2 sample of a row is 1.09375 a - 0.09375 b (hand-computed)', () => {
    const r = imresizeF64(Float64Array.from([100, 20, 60, 60]), 4, 1, 2);
    expect(r.data[0]).toBeCloseTo(107.5, 10);
    expect(imresizeU8(Uint8Array.from([100, 20, 60, 60]), 4, 1, 2).data[0]).toBe(108);
  });

  test('uint8 resizing rounds and saturates each pass', () => {
    // A bright pixel beside black overshoots below 0 and above 255 with the cubic kernel.
    const src = Uint8Array.from([0, 0, 255, 255, 0, 0, 255, 255]);
    const f = imresizeF64(src, 8, 1, 2).data;
    const u = imresizeU8(src, 8, 1, 2).data;
    expect(Math.min(...f)).toBeLessThan(0);
    expect(Math.max(...f)).toBeGreaterThan(255);
    f.forEach((v, i) => expect(u[i]).toBe(roundU8(v)));
  });

  test('rejects a plane whose length does not match its size', () => {
    expect(() => imresizeU8(new Uint8Array(5), 2, 3, 2)).toThrow(/needs 6/);
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bicubicKernel,
  resizePlaneBicubic,
  upscaleChromaBicubic,
  upscaleFrameBicubic,
  upscaledGeometry,
  useBicubicKernel,
} from './bicubic.js';
import { loadNativeBicubic } from './bicubic-native.js';
import { frameGeometry, planesOf } from '../media/frame.js';

/** Keys cubic, a = -0.5, written independently of the module under test. */
function keys(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

/** Straightforward float reference: direct 4x4 neighbourhood per output pixel, clamped edges. */
function referenceResize(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < dh; y++) {
    const fy = ((y + 0.5) * sh) / dh - 0.5;
    const iy = Math.floor(fy);
    for (let x = 0; x < dw; x++) {
      const fx = ((x + 0.5) * sw) / dw - 0.5;
      const ix = Math.floor(fx);
      let sum = 0;
      for (let m = -1; m <= 2; m++) {
        const wy = keys(fy - (iy + m));
        for (let n = -1; n <= 2; n++) {
          const wx = keys(fx - (ix + n));
          sum += wy * wx * (src[clamp(iy + m, sh) * sw + clamp(ix + n, sw)] as number);
        }
      }
      out[y * dw + x] = Math.min(255, Math.max(0, Math.round(sum)));
    }
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const sizes = [
  [1, 1],
  [3, 5],
  [4, 4],
  [5, 7],
  [17, 9],
  [33, 19],
  [64, 6],
] as const;
const integerCases = sizes.flatMap(([w, h]) => [2, 3, 4].map((s) => [w, h, s] as const));

const nativeBuilt = loadNativeBicubic().addon !== null;

describe('native kernel', () => {
  test('is built and in use (npm ci builds it; UPREZ_BICUBIC=js opts out)', () => {
    if (process.env['UPREZ_BICUBIC'] === 'js') {
      expect(bicubicKernel()).toMatchObject({ kind: 'js', why: 'UPREZ_BICUBIC=js' });
      return;
    }
    expect(bicubicKernel().why).toBeUndefined();
    expect(bicubicKernel().kind).toBe('native');
  });

  test('loadNativeBicubic honours UPREZ_BICUBIC=js', () => {
    expect(loadNativeBicubic({ UPREZ_BICUBIC: 'js' })).toEqual({ addon: null, why: 'UPREZ_BICUBIC=js' });
  });

  test.skipIf(!nativeBuilt)('checks bounds itself: offsets and sizes past the buffers throw RangeError', () => {
    const addon = loadNativeBicubic().addon;
    if (!addon) throw new Error('unreachable');
    const src = new Uint8Array(20);
    const dst = new Uint8Array(80);
    expect(() => addon.resize(src, 1, 5, 4, dst, 0, 10, 8)).toThrow(RangeError);
    expect(() => addon.resize(src, 0, 5, 4, dst, 1, 10, 8)).toThrow(RangeError);
    expect(() => addon.resize(src, 0, 0, 4, dst, 0, 10, 8)).toThrow(RangeError);
    expect(() => addon.resize(src, -1, 5, 4, dst, 0, 10, 8)).toThrow(RangeError);
    expect(() => addon.resize(new Int16Array(20) as unknown as Uint8Array, 0, 5, 4, dst, 0, 10, 8)).toThrow(RangeError);
    addon.resize(src, 0, 5, 4, dst, 0, 10, 8);
  });

  test.skipIf(!nativeBuilt)('a 640x360 frame: native and JavaScript kernels agree within 1 on every plane', () => {
    const g = frameGeometry(640, 360);
    const src = randomBytes(g.frameSize, 11);
    useBicubicKernel('native');
    const a = upscaleFrameBicubic(src, g, 2);
    useBicubicKernel('js');
    const b = upscaleFrameBicubic(src, g, 2);
    useBicubicKernel('native');
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1);
  });
});

for (const kernel of ['native', 'js'] as const)
  describe.skipIf(kernel === 'native' && !nativeBuilt)(`${kernel} kernel`, () => {
    beforeAll(() => {
      useBicubicKernel(kernel);
    });
    afterAll(() => {
      useBicubicKernel('native');
    });

    describe('resizePlaneBicubic', () => {
      test.each(integerCases)('%ix%i x%i matches the float reference within 1', (w, h, s) => {
        const src = randomBytes(w * h, w * 131 + h * 7 + s);
        const got = resizePlaneBicubic(src, w, h, w * s, h * s);
        expect(maxAbsDiff(got, referenceResize(src, w, h, w * s, h * s))).toBeLessThanOrEqual(1);
      });

      test.each([
        [17, 9, 40, 25],
        [9, 10, 17, 19],
        [2, 3, 3, 5],
        [33, 19, 33, 19],
        [40, 30, 13, 11],
      ])('%ix%i -> %ix%i (non-integer ratio) matches the float reference within 1', (sw, sh, dw, dh) => {
        const src = randomBytes(sw * sh, sw + dw);
        expect(maxAbsDiff(resizePlaneBicubic(src, sw, sh, dw, dh), referenceResize(src, sw, sh, dw, dh))).toBeLessThanOrEqual(1);
      });

      test.each([
        [0, 17, 9, 2],
        [255, 17, 9, 2],
        [128, 33, 19, 4],
        [7, 3, 5, 3],
      ])('a constant plane of %i stays constant (%ix%i x%i)', (v, w, h, s) => {
        const got = resizePlaneBicubic(new Uint8Array(w * h).fill(v), w, h, w * s, h * s);
        expect(got.every((p) => p === v)).toBe(true);
      });

      test('same size is the identity', () => {
        const src = randomBytes(33 * 19, 5);
        expect(resizePlaneBicubic(src, 33, 19, 33, 19)).toEqual(src);
      });

      test('saturates overshoot at hard edges instead of wrapping', () => {
        // A 0/255 checkerboard rings past both ends with a = -0.5.
        const w = 8;
        const src = new Uint8Array(w * w).map((_, i) => (((i % w) + Math.floor(i / w)) % 2 ? 255 : 0));
        const got = resizePlaneBicubic(src, w, w, 2 * w, 2 * w);
        expect(maxAbsDiff(got, referenceResize(src, w, w, 2 * w, 2 * w))).toBeLessThanOrEqual(1);
      });

      test('writes into a given destination and rejects short buffers', () => {
        const src = randomBytes(6 * 4, 9);
        const dst = new Uint8Array(12 * 8);
        expect(resizePlaneBicubic(src, 6, 4, 12, 8, dst)).toBe(dst);
        expect(() => resizePlaneBicubic(src, 6, 4, 12, 8, new Uint8Array(10))).toThrow(RangeError);
        expect(() => resizePlaneBicubic(src, 7, 4, 12, 8)).toThrow(RangeError);
      });
    });

    describe('frame upscaling', () => {
      test.each([
        [33, 19, 2],
        [16, 9, 2],
        [17, 9, 4],
        [5, 3, 3],
      ])('%ix%i x%i: every plane matches the reference, chroma resized plane to plane', (w, h, s) => {
        const g = frameGeometry(w, h);
        const src = randomBytes(g.frameSize, w * h * s);
        const out = upscaledGeometry(g, s);
        expect(out).toEqual(frameGeometry(w * s, h * s));
        const got = planesOf(upscaleFrameBicubic(src, g, s), out);
        const p = planesOf(src, g);
        expect(maxAbsDiff(got.y, referenceResize(p.y, w, h, out.width, out.height))).toBeLessThanOrEqual(1);
        for (const [gotPlane, srcPlane] of [
          [got.u, p.u],
          [got.v, p.v],
        ] as const) {
          const ref = referenceResize(srcPlane, g.chromaWidth, g.chromaHeight, out.chromaWidth, out.chromaHeight);
          expect(maxAbsDiff(gotPlane, ref)).toBeLessThanOrEqual(1);
        }
      });

      test('upscaleChromaBicubic writes U and V only, equal to the whole-frame result', () => {
        const g = frameGeometry(21, 13);
        const out = upscaledGeometry(g, 2);
        const src = randomBytes(g.frameSize, 77);
        const dst = new Uint8Array(out.frameSize).fill(42);
        upscaleChromaBicubic(src, g, 2, dst);
        const whole = upscaleFrameBicubic(src, g, 2);
        expect(dst.subarray(0, out.lumaSize).every((b) => b === 42)).toBe(true);
        expect(dst.subarray(out.lumaSize)).toEqual(whole.subarray(out.lumaSize));
      });

      test('rejects a non-integer scale and short frames', () => {
        const g = frameGeometry(8, 8);
        expect(() => upscaleFrameBicubic(new Uint8Array(g.frameSize), g, 1.5)).toThrow(RangeError);
        expect(() => upscaleFrameBicubic(new Uint8Array(10), g, 2)).toThrow(RangeError);
      });

      test('timing: 640x360 -> 1280x720 whole frame (printed, not asserted)', () => {
        const g = frameGeometry(640, 360);
        const src = randomBytes(g.frameSize, 3);
        const dst = new Uint8Array(upscaledGeometry(g, 2).frameSize);
        for (let i = 0; i < 3; i++) upscaleFrameBicubic(src, g, 2, dst);
        let best = Infinity;
        for (let i = 0; i < 8; i++) {
          const t0 = performance.now();
          upscaleFrameBicubic(src, g, 2, dst);
          best = Math.min(best, performance.now() - t0);
        }
        console.log(`bicubic (${kernel}) 640x360 -> 1280x720 yuv420p: ${best.toFixed(2)} ms/frame (best of 8)`);
        expect(best).toBeGreaterThan(0);
      });
    });
  });

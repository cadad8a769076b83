import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { MAX_RECTS, checkRects, packRects, pasteRegion, rectsProblem, splitOutputs, type LumaRect } from './luma-regions.js';

const r = (x: number, y: number, width: number, height: number): LumaRect => ({ x, y, width, height });

describe('rectsProblem', () => {
  test.each<[string, LumaRect[], RegExp | null]>([
    ['the whole frame', [r(0, 0, 64, 36)], null],
    ['overlapping tiles', [r(0, 0, 40, 36), r(24, 0, 40, 36)], null],
    ['none', [], /no rectangles/],
    ['one past the right edge', [r(60, 0, 5, 4)], /rectangle 0 .* not inside the 64x36 frame/],
    ['a negative origin', [r(0, 0, 4, 4), r(-1, 0, 4, 4)], /rectangle 1/],
    ['an empty one', [r(3, 3, 0, 4)], /not inside/],
    ['a fractional one', [r(0, 0, 4.5, 4)], /not inside/],
    ['more area than four frames', Array.from({ length: 5 }, () => r(0, 0, 64, 36)), /more than 4 frames/],
    ['too many', Array.from({ length: MAX_RECTS + 1 }, () => r(0, 0, 1, 1)), /at most/],
  ])('%s', (_label, rects, want) => {
    const p = rectsProblem(64, 36, rects);
    if (want === null) expect(p).toBeNull();
    else expect(p).toMatch(want);
  });

  test('checkRects throws MODEL_INPUT_INVALID, not fatal', () => {
    try {
      checkRects(8, 8, [r(0, 0, 9, 1)]);
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(UprezError);
      expect([(err as UprezError).code, (err as UprezError).fatal]).toEqual(['MODEL_INPUT_INVALID', false]);
    }
  });
});

describe('packing, splitting and pasting', () => {
  test('packRects lays out x, y, w, h; splitOutputs cuts the packed outputs back in order', () => {
    const rects = [r(1, 2, 3, 1), r(0, 0, 1, 2)];
    expect([...packRects(rects)]).toEqual([1, 2, 3, 1, 0, 0, 1, 2]);
    const y = Uint8Array.from({ length: 3 * 2 * 1 * 2 + 1 * 2 * 2 * 2 }, (_, i) => i);
    const res = new Int16Array(y.length).map((_, i) => -i);
    const [a, b] = splitOutputs(rects, 2, y, res);
    expect([...a!.y]).toEqual([...Array(12).keys()]);
    expect([...b!.y]).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    expect(b!.residual?.[0]).toBe(-12);
    expect(splitOutputs(rects, 2, y, null)[0]?.residual).toBeUndefined();
  });

  test('pasteRegion puts a region at its place in the HR plane and nowhere else', () => {
    const hr = new Uint8Array(8 * 6);
    pasteRegion(hr, 8, 2, { rect: r(1, 1, 2, 1), y: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
    const rows = Array.from({ length: 6 }, (_, i) => [...hr.subarray(i * 8, i * 8 + 8)]);
    expect(rows).toEqual([
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 1, 2, 3, 4, 0, 0],
      [0, 0, 5, 6, 7, 8, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ]);
  });
});

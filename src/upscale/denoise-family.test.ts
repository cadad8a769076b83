import { describe, expect, test } from 'vitest';
import { familyByLevel, forVideo, gainAtLevel, nearestLevel } from './denoise-family.js';
import type { ModelCard } from './model-registry.js';

function card(name: string, o: Partial<ModelCard> = {}): ModelCard {
  return { name, scale: 2, path: `/m/${name}.onnx`, ...o } as ModelCard;
}

describe('familyByLevel', () => {
  const fast = card('uprez-x2-fast', { family: 'uprez-x2-fast', denoiseLevel: 0 });
  const d1 = card('uprez-x2-fast-d1', { family: 'uprez-x2-fast', denoiseLevel: 1 });
  const d2 = card('uprez-x2-fast-d2', { family: 'uprez-x2-fast', denoiseLevel: 2 });
  const other = card('uprez-x2-tiny', { denoiseLevel: 0 });
  const x4 = card('uprez-x4-fast-d1', { scale: 4, family: 'uprez-x2-fast', denoiseLevel: 1 });

  test('the members at the base scale by level, other models and scales left out', () => {
    const f = familyByLevel([fast, d1, d2, other, x4], fast);
    expect([...f.entries()].map(([l, m]) => [l, m.name]).sort()).toEqual([
      [0, 'uprez-x2-fast'],
      [1, 'uprez-x2-fast-d1'],
      [2, 'uprez-x2-fast-d2'],
    ]);
  });

  test('starting from a member finds the same family; a model without one is a family of itself at level 0', () => {
    expect(familyByLevel([fast, d1, d2], d2).get(0)?.name).toBe('uprez-x2-fast');
    const alone = familyByLevel([fast, d1, other], other);
    expect([...alone.keys()]).toEqual([0]);
    expect(alone.get(0)?.name).toBe('uprez-x2-tiny');
  });
});

describe('nearestLevel', () => {
  test.each([
    [[0, 1, 2], 3, 2],
    [[0, 1, 2], 1, 1],
    [[0, 2], 1, 0],
    [[1, 3], 2, 1],
    [[2], 0, 2],
    [[], 2, 2],
  ] as const)('available %j, wanted %i: %i', (available, wanted, expected) => {
    expect(nearestLevel(available, wanted)).toBe(expected);
  });
});

describe('gainAtLevel', () => {
  const quality = {
    set5: { gainDb: 2.9 },
    compressed: { set5: { clean: { gainDb: 2.9 }, crf23: { gainDb: 0.33 }, crf28: { gainDb: -0.15 }, crf33: { gainDb: -0.2 } } },
  };
  test("the clean gain at level 0, the table at the level's CRF above, a small floor where the model loses", () => {
    const c = card('m', { quality });
    expect([0, 1, 2, 3].map((l) => gainAtLevel(c, l as 0 | 1 | 2 | 3))).toEqual([2.9, 0.33, 0.01, 0.01]);
  });
  test('without a table every level takes the clean gain; without a card, nothing', () => {
    expect(gainAtLevel(card('m', { quality: { set5: { gainDb: 2.4 } } }), 2)).toBe(2.4);
    expect(gainAtLevel(null, 1)).toBeUndefined();
  });
});

describe('forVideo', () => {
  const video = (gains: Record<string, number>) => ({
    compressed: { video: Object.fromEntries(Object.entries(gains).map(([k, g]) => [k, { gainDb: g }])) },
  });
  const f0 = card('f', { denoiseLevel: 0, family: 'f', quality: video({ clean: 4.9, crf23: 2.5, crf28: 1.4, crf33: 0.5 }) });
  const f1 = card('f-d1', { denoiseLevel: 1, family: 'f', quality: video({ clean: 3.9, crf23: 2.6, crf28: 1.7, crf33: 0.8 }) });
  const f2 = card('f-d2', { denoiseLevel: 2, family: 'f', quality: video({ clean: 3.7, crf23: 2.6, crf28: 1.74, crf33: 0.94 }) });
  const f3 = card('f-d3', { denoiseLevel: 3, family: 'f', quality: video({ clean: 1.2, crf23: 1.3, crf28: 1.1, crf33: 0.8 }) });
  test('each level takes the member that gains most on video at its compression', () => {
    const m = forVideo(
      new Map([
        [0, f0],
        [1, f1],
        [2, f2],
        [3, f3],
      ] as const),
    );
    expect([0, 1, 2, 3].map((l) => m.get(l as 0 | 1 | 2 | 3)?.name)).toEqual(['f', 'f-d1', 'f-d2', 'f-d2']);
  });
  test('a level without a video table keeps its own member', () => {
    const bare = card('f-d3', { denoiseLevel: 3, family: 'f' });
    expect(
      forVideo(
        new Map([
          [2, f2],
          [3, bare],
        ] as const),
      ).get(3)?.name,
    ).toBe('f-d3');
  });
});

import { describe, expect, test } from 'vitest';
import { chooseTier, coverage, type TierChoiceInput, type TierEstimate } from './tier-choice.js';

// Two tiers like ours: a model with +3.0 dB at 0.1 ms per 1000 px, a small one with +2.4 dB at 0.02.
const big = (msPerPixel: number | undefined, available = true): TierEstimate => ({ msPerPixel, workers: 2, gain: 3.0, available });
const small = (msPerPixel: number | undefined, available = true): TierEstimate => ({ msPerPixel, workers: 2, gain: 2.4, available });

function input(over: Partial<TierChoiceInput>): TierChoiceInput {
  return {
    now: 10_000,
    current: 0,
    since: 0,
    neededPixels: 230_400,
    frameIntervalMs: 33.3,
    tiers: [big(1e-4), small(2e-5)],
    dwellMs: 1_000,
    margin: 0.1,
    ...over,
  };
}

describe('tier choice', () => {
  test('coverage is the share of the needed pixels a tier produces per frame interval', () => {
    expect(coverage(big(1e-4), 230_400, 33.3)).toBeCloseTo(Math.min(1, (2 * 33.3 * 0.85) / 1e-4 / 230_400), 6);
    expect(coverage(big(undefined), 230_400, 33.3)).toBe(1);
    expect(coverage(big(1e-4, false), 230_400, 33.3)).toBe(0);
  });

  test.each<[string, Partial<TierChoiceInput>, number]>([
    ['both cover everything: the better model', { neededPixels: 100_000 }, 0],
    ['the big model covers a fifth, the small one all: the small one', { neededPixels: 2_500_000, tiers: [big(1e-4), small(1e-6)] }, 1],
    ['nothing measured yet: the best model (it is probed)', { tiers: [big(undefined), small(undefined)] }, 0],
    ['the big model fails: the small one at once', { tiers: [big(1e-4, false), small(2e-5)] }, 1],
    ['both fail: none', { tiers: [big(1e-4, false), small(2e-5, false)] }, 2],
    ['no models at all: none', { tiers: [], current: 0 }, 0],
    ['on the small model, the big one better but within the dwell: stay', { current: 1, since: 9_500, neededPixels: 100_000 }, 1],
    ['on the small model, the big one better after the dwell: move up', { current: 1, since: 8_000, neededPixels: 100_000 }, 0],
    [
      'on the big model, the small one better by less than the margin: stay',
      { current: 0, neededPixels: 760_000, tiers: [big(1e-4), small(1e-6)] },
      0,
    ],
    ['on none (nothing fitted), a model fits again after the dwell: move up', { current: 2, since: 0, neededPixels: 100_000 }, 0],
    ['without hysteresis the better tier is taken at once', { current: 1, since: 9_999, dwellMs: 0, margin: 0, neededPixels: 100_000 }, 0],
  ])('%s', (_name, over, want) => {
    expect(chooseTier(input(over))).toBe(want);
  });
});

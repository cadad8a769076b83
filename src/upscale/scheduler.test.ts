import { describe, expect, test } from 'vitest';
import { decide, predictDoneAt, type SchedulerInput } from './scheduler.js';

const base: SchedulerInput = {
  now: 1000,
  deadline: 1100,
  hasRunner: true,
  modelBackingOff: false,
  inFlightSentAt: [],
  maxInFlight: 4,
  workers: 1,
  serviceMs: 40,
  fallbackMs: 5,
};

describe('predictDoneAt', () => {
  test.each([
    ['idle, one worker', [], 1, 40, 1040],
    ['one ahead, sent 10 ms ago', [990], 1, 40, 1070],
    ['two ahead on one worker', [990, 995], 1, 40, 1110],
    ['one ahead but overdue: assumed done now', [900], 1, 40, 1040],
    ['two workers, one busy', [990], 2, 40, 1040],
    ['two workers, both busy', [990, 995], 2, 40, 1070],
    ['two workers, three ahead: behind the second', [990, 995, 999], 2, 40, 1075],
  ])('%s', (_, sent, workers, service, expected) => {
    expect(predictDoneAt(1000, sent, workers, service)).toBe(expected);
  });
});

describe('decide', () => {
  test.each<[string, Partial<SchedulerInput>, string]>([
    ['fits the deadline -> model', {}, 'model'],
    ['exactly at deadline - fallback -> model', { serviceMs: 95 }, 'model'],
    ['past deadline - fallback -> predicted_late', { serviceMs: 96 }, 'predicted_late'],
    ['no runner -> no_model', { hasRunner: false }, 'no_model'],
    ['no runner wins over everything', { hasRunner: false, inFlightSentAt: [1, 2, 3, 4] }, 'no_model'],
    ['model backing off -> model_error', { modelBackingOff: true }, 'model_error'],
    ['in flight at the cap -> queue_full', { inFlightSentAt: [990, 991, 992, 993] }, 'queue_full'],
    ['cap of 1 with one in flight -> queue_full', { maxInFlight: 1, inFlightSentAt: [999] }, 'queue_full'],
    ['the wait ahead makes it late -> predicted_late', { inFlightSentAt: [1000, 1000] }, 'predicted_late'],
    ['the same wait fits with a second worker -> model', { inFlightSentAt: [1000, 1000], workers: 2, serviceMs: 45 }, 'model'],
    ['deadline already passed -> predicted_late', { deadline: 990 }, 'predicted_late'],
    ['other streams at the runner count as wait ahead', { othersAhead: 2 }, 'predicted_late'],
    ['one other stream half served still fits', { othersAhead: 1 }, 'model'],
    ['other streams do not count toward this stage cap', { othersAhead: 10, serviceMs: 1 }, 'model'],
    ['unknown service time, idle -> model (probe)', { serviceMs: undefined }, 'model'],
    ['unknown service time, busy -> predicted_late', { serviceMs: undefined, inFlightSentAt: [999] }, 'predicted_late'],
  ])('%s', (_, over, expected) => {
    const d = decide({ ...base, ...over });
    expect(d.path === 'model' ? 'model' : d.reason).toBe(expected);
  });

  test('a model decision says when the result is expected', () => {
    expect(decide({ ...base, inFlightSentAt: [990] })).toEqual({ path: 'model', expectedDoneAt: 1070 });
  });
});

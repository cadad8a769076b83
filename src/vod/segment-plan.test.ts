import { describe, expect, test } from 'vitest';
import { frameSeconds, resumePointFor, segmentDurations, segmentPlanFor, segmentsComplete } from './segment-plan.js';

describe('segment plan (fixed frame counts)', () => {
  test.each([
    [25, 1, 2, 50],
    [30000, 1001, 2, 60],
    [24, 1, 1, 24],
    [1, 1, 0.4, 1],
  ])('%i/%i fps, %s s -> %i frames', (fpsNum, fpsDen, seconds, frames) => {
    expect(segmentPlanFor({ width: 2, height: 2, fpsNum, fpsDen }, seconds).segmentFrames).toBe(frames);
  });
  test('resume point: segment k starts at frame k*N, at k*N/fps seconds', () => {
    const plan = segmentPlanFor({ width: 2, height: 2, fpsNum: 30000, fpsDen: 1001 }, 2);
    expect(resumePointFor(plan, 0)).toEqual({ startSegment: 0, startFrame: 0, startSeconds: 0 });
    const r = resumePointFor(plan, 3);
    expect(r.startFrame).toBe(180);
    expect(r.startSeconds).toBeCloseTo(6.006, 9);
    expect(frameSeconds(plan, 180)).toBe(r.startSeconds);
    expect(() => resumePointFor(plan, -1)).toThrow(RangeError);
  });
  test('durations: whole segments then the remainder; they add up to the frame count', () => {
    const plan = segmentPlanFor({ width: 2, height: 2, fpsNum: 25, fpsDen: 1 }, 2);
    expect(segmentDurations(plan, 125)).toEqual([2, 2, 1]);
    expect(segmentDurations(plan, 100)).toEqual([2, 2]);
    expect(segmentDurations(plan, 0)).toEqual([]);
  });
  test('segments complete in every rung: the slowest rung decides', () => {
    expect(
      segmentsComplete(
        ['720p', '360p'],
        new Map([
          ['720p', 4],
          ['360p', 2],
        ]),
      ),
    ).toBe(3);
    expect(segmentsComplete(['720p', '360p'], new Map([['720p', 4]]))).toBe(0);
    expect(segmentsComplete([], new Map())).toBe(0);
  });
  test('refuses nonsense', () => {
    expect(() => segmentPlanFor({ width: 2, height: 2, fpsNum: 25, fpsDen: 1 }, 0)).toThrow(RangeError);
    expect(() => segmentPlanFor({ width: 2, height: 2, fpsNum: 0, fpsDen: 1 }, 2)).toThrow(RangeError);
  });
});

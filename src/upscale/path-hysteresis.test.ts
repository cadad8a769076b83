import { describe, expect, test } from 'vitest';
import { PathHysteresis } from './path-hysteresis.js';

describe('PathHysteresis', () => {
  test('leaves the model at once when forced, comes back only after the dwell and with headroom', () => {
    const h = new PathHysteresis({ dwellMs: 100, headroom: 0.5 });
    expect(h.path).toBe('model');
    expect(h.allowUp(0, () => true)).toBe(false); // on the top rung there is nothing above
    h.forced(10);
    expect(h.path).toBe('bicubic');
    expect(h.allowUp(50, () => true)).toBe(false); // dwell not over
    expect(h.allowUp(120, () => false)).toBe(false); // no headroom
    expect(h.allowUp(120, () => true)).toBe(true);
    expect(h.path).toBe('model');
    expect(h.switches).toBe(2);
    expect(h.returnFactor).toBe(1.5);
  });

  test('forced off again soon after coming back: the dwell doubles (to at most 16x); a long model run resets it', () => {
    const h = new PathHysteresis({ dwellMs: 100 });
    h.forced(0);
    expect(h.allowUp(100, () => true)).toBe(true);
    h.forced(150); // 50 ms on the model
    expect(h.dwellNow).toBe(200);
    expect(h.allowUp(300, () => true)).toBe(false);
    expect(h.allowUp(350, () => true)).toBe(true);
    for (let t = 400; t < 2_000; t += 200) {
      h.forced(t);
      h.allowUp(t + h.dwellNow, () => true);
    }
    expect(h.dwellNow).toBe(1_600);
    const back = 10_000;
    h.forced(back - 1);
    h.allowUp(back + h.dwellNow, () => true);
    h.forced(back + h.dwellNow + 4 * 1_600 + 1); // a long run on the model
    expect(h.dwellNow).toBe(100);
  });

  test('a forced fallback while on bicubic restarts the dwell', () => {
    const h = new PathHysteresis({ dwellMs: 100 });
    h.forced(0);
    h.forced(90);
    expect(h.allowUp(150, () => true)).toBe(false);
    expect(h.allowUp(190, () => true)).toBe(true);
    expect(h.switches).toBe(2);
  });

  test('probes only on bicubic, with nothing in flight, at most once per interval', () => {
    const h = new PathHysteresis({ probeIntervalMs: 50 });
    expect(h.shouldProbe(0, 0)).toBe(false); // on the model path
    h.forced(0);
    expect(h.shouldProbe(1, 1)).toBe(false); // something in flight
    expect(h.shouldProbe(1, 0)).toBe(true);
    expect(h.shouldProbe(30, 0)).toBe(false);
    expect(h.shouldProbe(51, 0)).toBe(true);
  });

  test('a slow model is probed less often: at most probeDuty of its time', () => {
    const h = new PathHysteresis({ probeIntervalMs: 50, probeDuty: 0.1 });
    h.forced(0);
    expect(h.shouldProbe(0, 0, 300)).toBe(true);
    expect(h.shouldProbe(2_999, 0, 300)).toBe(false);
    expect(h.shouldProbe(3_000, 0, 300)).toBe(true);
    expect(h.shouldProbe(3_050, 0, 1)).toBe(true); // a fast model: the base interval
  });

  test('a ladder of two models: one rung down per forced frame, one rung up per dwell, probes aim at the rung above', () => {
    const h = new PathHysteresis({ dwellMs: 100, probeIntervalMs: 10 }, 2);
    expect([h.rung, h.path]).toEqual([0, 'model']);
    h.forced(0);
    expect([h.rung, h.path]).toEqual([1, 'model']); // the smaller model
    h.forced(5, 0); // a late result of the big model, already left: only the dwell restarts
    expect(h.rung).toBe(1);
    h.forced(10);
    expect([h.rung, h.path]).toEqual([2, 'bicubic']);
    h.forced(20);
    expect(h.rung).toBe(2); // nothing below bicubic
    expect(h.shouldProbe(30, 0)).toBe(true);
    expect(h.allowUp(50, () => true)).toBe(false); // dwell from 20
    expect(h.allowUp(120, () => true)).toBe(true);
    expect(h.rung).toBe(1);
    expect(h.allowUp(150, () => true)).toBe(false); // the next step waits a dwell of its own
    expect(h.allowUp(230, () => true)).toBe(true);
    expect(h.rung).toBe(0);
    expect(h.shouldProbe(1_000, 0)).toBe(false); // on top: nothing to probe
    expect(h.switches).toBe(4);
  });

  test.each([{ dwellMs: -1 }, { headroom: -0.1 }, { probeIntervalMs: Number.NaN }, { probeDuty: 0 }, { probeDuty: 1.5 }])('rejects %j', (o) => {
    expect(() => new PathHysteresis(o)).toThrow(RangeError);
  });

  test.each([0, 1.5])('rejects %s rungs', (rungs) => {
    expect(() => new PathHysteresis({}, rungs)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { ArrivalClock } from './arrival-clock.js';

/** receivedEvery: picture i received at i * interval ms. */
const receivedEvery = (interval: number) => ({ pictureReceivedAt: (i: number) => i * interval });

describe('ArrivalClock', () => {
  it('without receive times a frame arrives when it is decoded', () => {
    const c = new ArrivalClock(null);
    expect(c.arrivedAt(0, 1234)).toBe(1234);
    expect(new ArrivalClock({ pictureReceivedAt: () => undefined }).arrivedAt(5, 99)).toBe(99);
  });

  it('a fixed decoder delay, however long, is not backlog: frames arrive when decoded', () => {
    const c = new ArrivalClock(receivedEvery(40));
    for (let i = 0; i < 100; i++) {
      const now = i * 40 + 900; // 0.9 s of start-up and reordering, every frame alike
      expect(c.arrivedAt(i, now)).toBe(now);
    }
    expect(c.backlogMs).toBe(0);
  });

  it('jitter within the slack is not backlog', () => {
    const c = new ArrivalClock(receivedEvery(40), 200);
    const jitter = [0, 150, 30, 199, 0, 80];
    jitter.forEach((j, i) => expect(c.arrivedAt(i, i * 40 + 300 + j)).toBe(i * 40 + 300 + j));
  });

  it('a growing backlog dates frames earlier by what exceeds the fixed delay and the slack', () => {
    const c = new ArrivalClock(receivedEvery(40), 200);
    expect(c.arrivedAt(0, 500)).toBe(500); // fixed part: 500 ms
    // Decoding now runs at half speed: each frame 40 ms later than the one before, relative to receipt.
    const out: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const now = 500 + i * 80;
      out.push(now - c.arrivedAt(i, now));
    }
    // Backlog i*40 ms; the first 200 ms of it is slack.
    expect(out).toEqual(Array.from({ length: 20 }, (_, k) => Math.max(0, (k + 1) * 40 - 200)));
    expect(c.backlogMs).toBe(600);
  });

  it('the backlog shrinks as the pipeline catches up, back to none', () => {
    const c = new ArrivalClock(receivedEvery(40), 0);
    c.arrivedAt(0, 100);
    expect(100 + 10 * 40 + 1000 - c.arrivedAt(10, 100 + 10 * 40 + 1000)).toBe(1000);
    expect(c.arrivedAt(30, 100 + 30 * 40)).toBe(100 + 30 * 40);
    expect(c.backlogMs).toBe(0);
  });

  it('never dates a frame after it was decoded, nor trusts a receive time from the future', () => {
    const c = new ArrivalClock({ pictureReceivedAt: () => 5_000 });
    expect(c.arrivedAt(0, 1_000)).toBe(1_000);
  });
});

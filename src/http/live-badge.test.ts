import { describe, expect, test } from 'vitest';
// The player's module (plain ESM with JSDoc types), imported as the browser loads it.
import { measureLive, showLive } from '../../player/live-badge.js';

interface Badge {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  title: string;
  disabled: boolean;
}

const video = { currentTime: 0, seekable: { length: 0, end: () => 0 } };
const badge = (): Badge => ({ dataset: {}, textContent: '', title: '', disabled: false });
const hls = (o: Record<string, unknown>) => ({
  levels: [{ details: { live: true, targetduration: 2, partTarget: 0.24 } }],
  currentLevel: 0,
  latency: 1,
  targetLatency: 0.96,
  playingDate: null,
  ...o,
});

describe('live badge', () => {
  test('shows the delay behind the publisher from PROGRAM-DATE-TIME at the live edge', () => {
    const m = measureLive(hls({ playingDate: new Date(Date.now() - 1300) }), video, false);
    expect(m.delay).toBeGreaterThan(1.25);
    expect(m.delay).toBeLessThan(1.5);
    const b = badge();
    showLive(b, m, true);
    expect(b.textContent).toMatch(/^LIVE · 1\.[34] s$/);
    expect(b.dataset['live']).toBe('true');
    expect(b.dataset['latency']).toBe('1.00');
    expect(Number(b.dataset['delay'])).toBeCloseTo(m.delay as number, 2);
    expect(b.title).toMatch(/behind the publisher \(from the stream's PROGRAM-DATE-TIME\)/);
    expect(b.disabled).toBe(true);
  });

  test('off the live edge (more than the target plus a part behind) it offers to go live', () => {
    const b = badge();
    showLive(b, measureLive(hls({ latency: 7, playingDate: new Date(Date.now() - 7400) }), video, false), true);
    expect(b.textContent).toMatch(/^7\.[45] s behind · go live$/);
    expect(b.dataset['live']).toBe('false');
    expect(b.disabled).toBe(false);
  });

  test('without dates it shows the distance to the live edge; without a position, plain LIVE', () => {
    const b = badge();
    showLive(b, measureLive(hls({ latency: 3.2, targetLatency: 6 }), video, false), true);
    expect(b.textContent).toBe('LIVE · 3.2 s');
    expect(b.dataset['delay']).toBeUndefined();
    showLive(b, measureLive(hls({ latency: 0 }), video, false), true);
    expect(b.textContent).toBe('LIVE');
    expect(b.dataset['live']).toBe('unknown');
    expect(b.dataset['latency']).toBeUndefined();
  });

  test('an ended stream has no live position', () => {
    const m = measureLive({ ...hls({}), levels: [{ details: { live: false, targetduration: 2 } }] }, video, false);
    expect(m.latency).toBeNull();
  });
});

import { describe, expect, test } from 'vitest';
import { createProgress, formatEta, rateUnit, renderBar, type ProgressOptions } from './progress.js';

/** fakeOut is a writable the progress writes to, recording every write. */
function fakeOut(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  const out = {
    isTTY,
    columns,
    write(s: string) {
      writes.push(s);
      return true;
    },
  } as unknown as NonNullable<ProgressOptions['out']>;
  return { out, writes, text: () => writes.join('') };
}

/** fakeClock is a settable millisecond clock. */
function fakeClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('formatting helpers', () => {
  test.each([
    [0, '0:00'],
    [5.4, '0:05'],
    [65, '1:05'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3725, '1:02:05'],
    [-3, '0:00'],
  ])('formatEta(%s) = %s', (s, text) => expect(formatEta(s)).toBe(text));
  test.each([
    ['frames', 'fps'],
    ['frame', 'fps'],
    ['images', 'images/s'],
  ])('rateUnit(%s) = %s', (u, r) => expect(rateUnit(u)).toBe(r));
  test('renderBar fills in proportion and clamps', () => {
    expect(renderBar(0, 4)).toBe('[----]');
    expect(renderBar(0.5, 4)).toBe('[##--]');
    expect(renderBar(1, 4)).toBe('[####]');
    expect(renderBar(7, 4)).toBe('[####]');
  });
});

describe('on a TTY', () => {
  test('redraws one line with done/total, rate and ETA, at most every 100 ms', () => {
    const o = fakeOut(true, 120);
    const c = fakeClock();
    const p = createProgress({ label: 'video', total: 100, unit: 'frames', out: o.out, now: c.now });
    c.advance(1000);
    p.update(25);
    expect(o.writes).toHaveLength(1);
    const line = o.writes[0] as string;
    expect(line.startsWith('\r\x1b[2K')).toBe(true);
    expect(line.endsWith('\r')).toBe(true);
    expect(line).toContain('video');
    expect(line).toContain('[######------------------]');
    expect(line).toContain('25/100 frames');
    expect(line).toContain('25%');
    expect(line).toContain('25.0 fps');
    expect(line).toContain('ETA 0:03');
    c.advance(50);
    p.update(26);
    expect(o.writes).toHaveLength(1); // throttled
    c.advance(50);
    p.update(30, { ai: '80%' });
    expect(o.writes).toHaveLength(2);
    expect(o.writes[1]).toContain('30/100 frames');
    expect(o.writes[1]).toContain('ai=80%');
    expect(o.writes.join('')).not.toContain('\n');
  });

  test('cuts the line to the terminal width', () => {
    const o = fakeOut(true, 30);
    const c = fakeClock();
    const p = createProgress({ label: 'a-long-label', total: 10, out: o.out, now: c.now });
    c.advance(500);
    p.update(3, { file: 'x'.repeat(200) });
    const visible = (o.writes[0] as string).replace('\r\x1b[2K', '').replace(/\r$/, '');
    expect(visible).toHaveLength(29);
  });

  test('finish replaces the bar with the summary and ends the line; later calls do nothing', () => {
    const o = fakeOut(true);
    const c = fakeClock();
    const p = createProgress({ label: 'image', total: 2, unit: 'images', out: o.out, now: c.now });
    c.advance(200);
    p.update(1);
    c.advance(10);
    p.finish('upscaled 2 images');
    expect(o.writes.at(-1)).toBe('\r\x1b[2Kupscaled 2 images\n');
    const n = o.writes.length;
    p.update(2);
    p.finish('again');
    expect(o.writes).toHaveLength(n);
  });

  test('finish without a summary leaves the final bar on its own line', () => {
    const o = fakeOut(true);
    const c = fakeClock();
    const p = createProgress({ label: 'job', total: 4, out: o.out, now: c.now });
    c.advance(1000);
    p.update(4);
    c.advance(10);
    p.finish();
    const last = o.writes.at(-1) as string;
    expect(last).toContain('4/4 items');
    expect(last).toContain('ETA 0:00');
    expect(last.endsWith('\n')).toBe(true);
  });
});

describe('not on a TTY', () => {
  test('writes plain lines at most every 2 s, and the final state at finish', () => {
    const o = fakeOut(false);
    const c = fakeClock();
    const p = createProgress({ label: 'video', total: 300, unit: 'frames', out: o.out, now: c.now });
    for (let i = 1; i <= 150; i++) {
      c.advance(20); // 50 fps for 3 s
      p.update(i);
    }
    // The first line comes 20 ms in: too soon to measure a rate, so none is shown.
    expect(o.writes).toEqual(['video  1/300 frames  0%\n', 'video  101/300 frames  33%  50.0 fps  ETA 0:04\n']);
    p.finish('done: 150 frames');
    expect(o.writes.slice(2)).toEqual([expect.stringMatching(/^video {2}150\/300 frames {2}50%/), 'done: 150 frames\n']);
    expect(o.text()).not.toContain('\r');
    expect(o.text()).not.toContain('\x1b');
  });

  test('no rate before a second is measured: a resumed job jumping to frame 600 is not "30000 fps"', () => {
    const o = fakeOut(false);
    const c = fakeClock();
    const p = createProgress({ label: 'file', total: 1000, unit: 'frames', out: o.out, now: c.now });
    c.advance(20);
    p.update(600);
    expect(o.writes).toEqual(['file  600/1000 frames  60%\n']);
    c.advance(2000);
    p.update(660);
    expect(o.writes[1]).toMatch(/^file {2}660\/1000 frames {2}66% {2}\d/);
  });

  test('without a total it shows the count and rate, no ETA', () => {
    const o = fakeOut(false);
    const c = fakeClock();
    const p = createProgress({ label: 'live', unit: 'frames', out: o.out, now: c.now });
    c.advance(2000);
    p.update(60);
    expect(o.writes).toEqual(['live  60 frames  30.0 fps\n']);
  });

  test('the rate follows the recent window, not the whole run', () => {
    const o = fakeOut(false);
    const c = fakeClock();
    const p = createProgress({ label: 'x', unit: 'frames', out: o.out, now: c.now });
    let done = 0;
    for (let s = 0; s < 10; s++) {
      c.advance(1000);
      done += 100; // 100 fps for 10 s
      p.update(done);
    }
    for (let s = 0; s < 10; s++) {
      c.advance(1000);
      done += 10; // then 10 fps for 10 s
      p.update(done);
    }
    expect(o.writes.at(-1)).toMatch(/ 10\.0 fps\n$/);
  });
});

describe('json', () => {
  test('one object per line with label, done, total, rate, etaS and the extras; a final object at finish', () => {
    const o = fakeOut(true); // json wins over a TTY
    const c = fakeClock();
    const p = createProgress({ label: 'image', total: 4, unit: 'images', json: true, out: o.out, now: c.now });
    c.advance(1000);
    p.update(1, { file: 'a.png' });
    c.advance(100);
    p.update(2); // throttled
    c.advance(1000);
    p.update(3, { file: 'c.png', ms: 12 });
    c.advance(100);
    p.finish('upscaled 4 images');
    expect(o.writes.every((w) => w.endsWith('\n') && !w.slice(0, -1).includes('\n'))).toBe(true);
    const objs = o.writes.map((w) => JSON.parse(w) as Record<string, unknown>);
    expect(objs).toEqual([
      { label: 'image', done: 1, total: 4, rate: 1, etaS: 3, unit: 'images', file: 'a.png' },
      { label: 'image', done: 3, total: 4, rate: 1.43, etaS: 0.7, unit: 'images', file: 'c.png', ms: 12 },
      {
        label: 'image',
        done: 3,
        total: 4,
        rate: 1.36,
        etaS: 0.7,
        unit: 'images',
        file: 'c.png',
        ms: 12,
        finished: true,
        elapsedS: 2.2,
        summary: 'upscaled 4 images',
      },
    ]);
  });

  test('unknown total, rate and ETA are null, so every line has the same keys', () => {
    const o = fakeOut(false);
    const c = fakeClock();
    const p = createProgress({ label: 'live', json: true, out: o.out, now: c.now });
    p.update(0);
    expect(JSON.parse(o.writes[0] as string)).toEqual({ label: 'live', done: 0, total: null, rate: null, etaS: null, unit: 'items' });
  });
});

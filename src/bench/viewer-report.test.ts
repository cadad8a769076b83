import { describe, expect, test } from 'vitest';
import { renderSection } from './bench-section.js';
import {
  flickerTable,
  framesCell,
  issueNotes,
  offlineTable,
  pairedMedian,
  psnrGain,
  qualityTable,
  signed,
  timeIssueNotes,
  timeTable,
  type QualityCase,
  type QualityRun,
  type TimeRun,
} from './viewer-report.js';

const run = (over: Partial<QualityRun> = {}): QualityRun => ({
  psnr: over.psnr ?? 30,
  ssim: over.ssim ?? 0.9,
  psnrAt: new Float64Array(100).fill(over.psnr ?? 30),
  ssimAt: new Float64Array(100).fill(over.ssim ?? 0.9),
  staticFlicker: 0.2,
  staticShare: 0.5,
  scored: 100,
  aiShare: 0,
  framesIn: 100,
  framesOut: 100,
  decoded: 100,
  offset: 0,
  aiPixelShare: NaN,
  load: 2,
  warnings: [],
  ...over,
  startOffset: over.startOffset ?? over.offset ?? 0,
  endOffset: over.endOffset ?? over.offset ?? 0,
});

const timeRun = (over: Partial<TimeRun> = {}): TimeRun => ({
  aiShare: 0,
  aiPixelShare: 0,
  fps: 30,
  framesIn: 900,
  framesOut: 900,
  deadlineMisses: 0,
  drainSeconds: 1,
  load: 2,
  warnings: [],
  ...over,
});

describe('viewer report: aggregation', () => {
  test('gains are the median of paired differences, not the difference of medians', () => {
    const a = [{ v: 10 }, { v: 20 }, { v: 30 }];
    const b = [{ v: 9 }, { v: 19.5 }, { v: 25 }];
    const d = (x: { v: number }, y: { v: number }) => x.v - y.v;
    expect(pairedMedian(a, b, d)).toBe(1); // differences 1, 0.5, 5
    expect(pairedMedian(a, b.slice(0, 2), d)).toBe(0.75);
    expect(pairedMedian([], [], d)).toBeNaN();
  });

  test("a repeat's gain compares only the truth frames both runs showed", () => {
    const m = run({ psnr: 32 });
    const b = run({ psnr: 30 });
    m.psnrAt.fill(NaN, 0, 60); // the model run lost its first 60 frames...
    b.psnrAt.fill(20, 0, 60); // ...where the bicubic run scored badly: those frames must not count
    expect(psnrGain(m, b)).toBe(2);
  });

  test.each([
    [1.234, 2, '+1.23'],
    [-0.5, 2, '-0.50'],
    [0, 2, '+0.00'],
    [-0.001, 2, '+0.00'],
    [0.00049, 4, '+0.0005'],
    [NaN, 2, 'n/a'],
  ])('signed(%d, %i) = %s', (v, d, s) => {
    expect(signed(v, d)).toBe(s);
  });

  test('frames: in/out medians of the truth count; a run with lost, repeated or misaligned frames is flagged', () => {
    expect(framesCell([run(), run()], 100)).toBe('100/100 of 100');
    expect(framesCell([run(), run({ framesOut: 99, decoded: 99 })], 100)).toContain('**1 run(s) lost, repeated or misaligned frames**');
    expect(framesCell([run({ decoded: 101 })], 100)).toContain('1 run(s)');
    expect(framesCell([run({ endOffset: 1 })], 100)).toContain('1 run(s)');
    expect(framesCell([run({ framesIn: 40, framesOut: 40, decoded: 40, offset: 60 })], 100)).toContain('1 run(s)');
  });

  test('each flagged run gets a note saying what went wrong', () => {
    const c: QualityCase = {
      clip: 'car',
      inSize: 'a',
      outSize: 'b',
      crf: 30,
      truthFrames: 100,
      model: [run(), run({ framesIn: 40, framesOut: 40, decoded: 40, offset: 60 })],
      bicubic: [run({ offset: 0, endOffset: 1 }), run()],
    };
    expect(issueNotes([c])).toEqual([
      'car CRF 30, model run 2: 60 of 100 published frames never reached the stage; output starts at truth frame 60.',
      'car CRF 30, bicubic run 1: offset 0 over the clip, 0 at the start, 1 at the end (a frame lost or repeated mid-stream).',
    ]);
  });
});

describe('viewer report: tables', () => {
  const c: QualityCase = {
    clip: 'asl',
    inSize: '320x240',
    outSize: '640x480',
    crf: 23,
    truthFrames: 100,
    model: [
      run({ psnr: 32, ssim: 0.95, aiShare: 0.9, staticFlicker: 0.3 }),
      run({ psnr: 31, ssim: 0.94, aiShare: 0.8, staticFlicker: 0.3 }),
      run({ psnr: 33, ssim: 0.96, aiShare: 1, staticFlicker: 0.3 }),
    ],
    bicubic: [run({ psnr: 30 }), run({ psnr: 30 }), run({ psnr: 30, offset: 1, endOffset: 1 })],
  };

  test('quality: model beside bicubic, paired gains, AI share, frames and offsets', () => {
    const t = qualityTable([c]);
    expect(t.head).toEqual([
      'clip',
      'in -> out',
      'CRF',
      'Y-PSNR model',
      'Y-PSNR bicubic',
      'gain dB',
      'SSIM model',
      'SSIM bicubic',
      'SSIM gain',
      'AI pixels / frames',
      'load',
      'frames in/out',
      'offset',
    ]);
    expect(t.rows).toEqual([
      [
        'asl',
        '320x240 -> 640x480',
        '23',
        '32.00',
        '30.00',
        '+2.00',
        '0.9500',
        '0.9000',
        '+0.0500',
        'n/a / 90.0 %',
        '2.0',
        '100/100 of 100 (**1 run(s) lost, repeated or misaligned frames**)',
        '0/1',
      ],
    ]);
  });

  test('flicker: static share and the model / bicubic ratio', () => {
    expect(flickerTable([c]).rows).toEqual([['asl', '23', '50.0 %', '0.300', '0.200', '1.50']]);
  });

  test('time: AI share, fps side by side, drain, frames of published', () => {
    const t = timeTable([
      {
        inSize: '1280x720',
        inputFps: 29.83,
        published: 900,
        model: [timeRun({ fps: 20, aiShare: 0.1, aiPixelShare: 0.25, drainSeconds: 9, load: 7.25 })],
        bicubic: [timeRun({ fps: 25 })],
      },
    ]);
    expect(t.rows).toEqual([
      ['1280x720 @ 29.83 fps', '25.0 % / 10.0 %', '7.3', '20.00', '25.00', '0.80', '9.0 / 1.0', '900 / 900 of 900', '0'],
    ]);
  });

  test('offline: the quality-mode gain and the share of it the live stream kept (only cases that have one)', () => {
    const t = offlineTable([
      c,
      { ...c, crf: 30, offline: { model: 'uprez-x2-fast', psnrModel: 34, psnrBicubic: 30, psnrGain: 4, ssimGain: 0.06 } },
    ]);
    expect(t.rows).toEqual([['asl', '30', 'uprez-x2-fast', '34.00', '30.00', '+4.00', '+0.0600', '0.50']]);
  });

  test('time-only runs that lost frames get a note with the drain and what the server said', () => {
    const lost = timeRun({
      framesIn: 527,
      framesOut: 527,
      drainSeconds: 98.9,
      warnings: ['WARN: decoder idle while draining, stopping it', 'WARN: a', 'WARN: b', 'WARN: c'],
    });
    expect(timeIssueNotes([{ inSize: '1280x720', inputFps: 30, published: 900, model: [timeRun(), lost], bicubic: [timeRun()] }])).toEqual([
      '1280x720 model run 2: 373 of 900 published frames never reached the stage (drain 98.9 s); the server said: "WARN: decoder idle while draining, stopping it", "WARN: a", "WARN: b" and 1 more.',
    ]);
  });

  test('tables render in the section as Markdown', () => {
    const md = renderSection({ id: 'viewer', title: 'V', rows: [], tables: [qualityTable([c])], notes: ['n'] });
    expect(md).toContain('| clip | in -> out | CRF |');
    expect(md).toContain('| asl | 320x240 -> 640x480 | 23 | 32.00 | 30.00 | +2.00 |');
  });
});

import { describe, expect, test } from 'vitest';
import { evalReportJson, formatEvalTable, type EvalReport } from './eval-report.js';

const base: EvalReport = {
  set: 'Set5',
  scale: 2,
  model: null,
  degrade: null,
  images: [
    { name: 'baby', width: 512, height: 512, bicubic: { psnr: 37.0301, ssim: 0.95 } },
    { name: 'butterfly', width: 256, height: 256, bicubic: { psnr: 27.4312, ssim: 0.91 } },
  ],
  mean: { bicubic: { psnr: 32.23065, ssim: 0.93 } },
};

const withModel: EvalReport = {
  ...base,
  model: { name: 'uprez-x2', provider: 'cpu' },
  degrade: 'h264:28',
  images: [
    { ...base.images[0]!, model: { psnr: 38.5, ssim: 0.96 }, inferMs: 12.34 },
    { ...base.images[1]!, model: { psnr: 26.9312, ssim: 0.9 }, inferMs: 3 },
  ],
  mean: { bicubic: base.mean.bicubic, model: { psnr: 32.7156, ssim: 0.93 }, gain: { psnr: 0.48495, ssim: 0 } },
};

describe('formatEvalTable', () => {
  test.each([
    [base, ['baby', '512x512', '37.030 / 0.9500'], ['mean', '2 images', '32.231 / 0.9300'], 'bicubic baseline only'],
    [
      withModel,
      ['baby', '37.030 / 0.9500', '38.500 / 0.9600', '+1.470 dB', '12.3'],
      ['mean', '32.716 / 0.9300', '+0.485 dB'],
      'model uprez-x2 (cpu)',
    ],
  ])('%#', (report, firstRow, meanRow, note) => {
    const text = formatEvalTable(report);
    const lines = text.split('\n');
    const row = lines.find((l) => l.startsWith('baby')) ?? '';
    const mean = lines.find((l) => l.startsWith('mean')) ?? '';
    for (const cell of firstRow) expect(row).toContain(cell);
    for (const cell of meanRow) expect(mean).toContain(cell);
    expect(text).toContain(note);
    expect(text).toContain('2 px shaved');
  });

  test('a loss prints a negative gain and the degradation is named', () => {
    const text = formatEvalTable(withModel);
    expect(text.split('\n').find((l) => l.startsWith('butterfly'))).toContain('-0.500 dB');
    expect(text).toContain('MATLAB bicubic + h264:28');
  });

  test('columns line up', () => {
    const lines = formatEvalTable(withModel)
      .split('\n')
      .filter((l) => /^(image|baby|butterfly|mean)/.test(l));
    const col = (l: string) => l.indexOf('/');
    expect(new Set(lines.slice(1).map(col)).size).toBe(1);
  });
});

describe('evalReportJson', () => {
  test('round-trips the numbers and writes infinite PSNR as null', () => {
    const perfect: EvalReport = { ...withModel, images: [{ ...withModel.images[0]!, model: { psnr: Infinity, ssim: 1 } }] };
    const parsed = JSON.parse(evalReportJson(perfect)) as {
      images: Array<{ model: { psnr: number | null } }>;
      mean: { gain: { psnr: number } };
    };
    expect(parsed.images[0]?.model.psnr).toBeNull();
    expect(parsed.mean.gain.psnr).toBe(0.48495);
  });
});

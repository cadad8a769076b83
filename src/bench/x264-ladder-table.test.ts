import { describe, expect, test } from 'vitest';
import { renderSection } from './bench-section.js';
import { coresAt, x264Table, X264_TABLE_HEAD, type ComboResult } from './x264-ladder-table.js';

const base: ComboResult = { label: 'veryfast,veryfast', auto: false, cpuMsPerFrame: 60, wallFps: 25, topBytes: 1000, topPsnrY: 40 };
const fast: ComboResult = { label: 'ultrafast,veryfast', auto: true, cpuMsPerFrame: 30, wallFps: 50, topBytes: 1100, topPsnrY: 39.5 };

describe('x264 ladder table', () => {
  test('cores at 30 fps', () => {
    expect(coresAt(60, 30)).toBeCloseTo(1.8, 9);
  });

  test("each row against its ladder's first row; auto is marked", () => {
    const t = x264Table(
      [
        { ladder: 'L1', results: [base, fast] },
        { ladder: 'L2', results: [{ ...base, cpuMsPerFrame: 10 }] },
      ],
      30,
    );
    expect(t.head).toEqual(X264_TABLE_HEAD);
    expect(t.rows).toEqual([
      ['L1', 'veryfast,veryfast', '60.0', '1.00x', '25.0', '1.80', '1000', '1.000x', '40.00', '+0.00'],
      ['L1', 'ultrafast,veryfast (auto)', '30.0', '0.50x', '50.0', '0.90', '1100', '1.100x', '39.50', '-0.50'],
      ['L2', 'veryfast,veryfast', '10.0', '1.00x', '25.0', '0.30', '1000', '1.000x', '40.00', '+0.00'],
    ]);
    expect(t.caption).toContain('veryfast,veryfast');
    const md = renderSection({ id: 'x264', title: 'x264', rows: [], tables: [t], notes: [] });
    expect(md).toContain('| L1 | ultrafast,veryfast (auto) | 30.0 |');
  });
});

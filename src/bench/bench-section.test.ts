import { describe, expect, test } from 'vitest';
import { meets, renderSection, renderText, row } from './bench-section.js';

describe('bench sections', () => {
  test.each([
    [0.95, '>= 0.90', true],
    [0.9, '>= 0.90', true],
    [0.89, '>= 0.90', false],
    [1.0, '<= 1.0', true],
    [1.01, '<= 1.0', false],
    [NaN, '<= 1.0', false],
    [0.5, 'about 1', false],
  ])('meets(%d, %s) is %s', (r, t, ok) => {
    expect(meets(r, t)).toBe(ok);
  });

  test('row computes pass only when there is a target and a ratio', () => {
    expect(row('a', '1', '2', 0.5, '<= 1.0').pass).toBe(true);
    expect(row('a', '1', '2', 0.5).pass).toBeNull();
    expect(row('a', '1', '2', null, '<= 1.0').pass).toBeNull();
  });

  test('renders Markdown (pipes escaped, misses in bold) and text', () => {
    const s = {
      id: 'fallback' as const,
      title: 'T',
      rows: [row('x|y', '2 ms', '1 ms', 2, '<= 1.0'), row('info', 'a', 'b', null)],
      notes: ['n1'],
    };
    const md = renderSection(s);
    expect(md).toContain('### T');
    expect(md).toContain('| x\\|y | 2 ms | 1 ms | 2.00 | <= 1.0 | **no** |');
    expect(md).toContain('| info | a | b |  |  |  |');
    expect(md).toContain('- n1');
    const txt = renderText(s);
    expect(txt).toContain('== T');
    expect(txt).toMatch(/x\|y\s+2 ms\s+1 ms\s+2\.00\s+<= 1\.0\s+NO/);
  });

  test('extra tables render after the rows, in Markdown and text; a section without rows prints no empty header', () => {
    const s = {
      id: 'viewer' as const,
      title: 'V',
      rows: [],
      tables: [
        {
          caption: 'Cap',
          head: ['a', 'b|c'],
          rows: [
            ['1', 'x|y'],
            ['22', '3'],
          ],
        },
      ],
      notes: ['n1'],
    };
    const md = renderSection(s);
    expect(md).toContain('Cap\n\n| a | b\\|c |\n|---|---|\n| 1 | x\\|y |\n| 22 | 3 |\n');
    expect(md.indexOf('| a |')).toBeLessThan(md.indexOf('- n1'));
    expect(md).not.toContain('| case |');
    const txt = renderText(s);
    expect(txt).toContain('-- Cap\na   b|c\n1   x|y\n22  3\n');
    expect(txt).not.toContain('case');
  });
});

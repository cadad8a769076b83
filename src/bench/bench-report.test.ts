import { describe, expect, test } from 'vitest';
import { mergeReport, runHeader } from './bench-report.js';

describe('BENCHMARKS.md merge', () => {
  test('a new report gets a title and the sections in the order given', () => {
    const out = mergeReport('', [
      { id: 'overhead', markdown: 'A' },
      { id: 'fallback', markdown: 'B' },
    ]);
    expect(out).toBe(
      '# Benchmarks\n\n<!-- bench:overhead -->\nA\n<!-- /bench:overhead -->\n\n<!-- bench:fallback -->\nB\n<!-- /bench:fallback -->\n',
    );
  });

  test('a rerun replaces only its own sections and keeps hand-written text', () => {
    const before =
      '# Benchmarks\n\nIntro.\n\n<!-- bench:overhead -->\nold A\n<!-- /bench:overhead -->\n\nAnalysis.\n\n<!-- bench:fallback -->\nold B\n<!-- /bench:fallback -->\n';
    const out = mergeReport(before, [{ id: 'fallback', markdown: 'new B\n' }]);
    expect(out).toContain('Intro.');
    expect(out).toContain('old A');
    expect(out).toContain('Analysis.');
    expect(out).toContain('<!-- bench:fallback -->\nnew B\n<!-- /bench:fallback -->');
    expect(out).not.toContain('old B');
  });

  test('the run header names the machine, GPU, provider, load and quick mode', () => {
    const h = runHeader(
      { cpu: 'AMD EPYC', cores: 2, memoryGiB: 23.5, gpu: 'none found', node: 'v20.0.0', loadAtStart: 1.5, date: '2026-01-01T00:00:00Z' },
      'cpu',
      true,
    );
    expect(h).toBe(
      '_Measured 2026-01-01T00:00:00Z on AMD EPYC, 2 cores, 23.5 GiB, GPU: none found; Node v20.0.0; provider cpu; load average at start 1.5; --quick run._',
    );
  });
});

/**
 * The x264 ladder benchmark end to end with real ffmpeg, on a tiny generated input (no clip in the
 * video directory): every preset combination of the ladder gets a row with plausible figures, and
 * nothing is left in the temp directory.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { renderSection } from '../../src/bench/bench-section.js';
import { combosFor, comboLabel, liveLadder } from '../../src/bench/x264-ladder-args.js';
import { runX264Bench } from '../../src/bench/x264-bench.js';
import { X264_TABLE_HEAD } from '../../src/bench/x264-ladder-table.js';
import { silentLogger } from '../../src/log/logger.js';
import { testBinaries } from '../helpers/ffmpeg-fixtures.js';

const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'uprez-x264-novideo-'));
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

function x264TempDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((n) => n.startsWith('uprez-x264-') && !n.startsWith('uprez-x264-novideo-'));
}

describe('uprez bench x264 (quick, tiny input)', () => {
  test('one row per combination, plausible CPU, bits and PSNR, the generated source named', async () => {
    const before = new Set(x264TempDirs());
    const section = await runX264Bench({
      ffmpeg: testBinaries().ffmpeg,
      quick: true,
      videoDir: emptyDir,
      log: silentLogger,
      sizes: [{ width: 160, height: 90 }],
      frames: 12,
    });
    expect(section.id).toBe('x264');
    const table = section.tables?.[0];
    expect(table?.head).toEqual(X264_TABLE_HEAD);
    const { combos, autoIndex } = combosFor(liveLadder(160, 90));
    const rows = table?.rows ?? [];
    expect(rows.map((r) => r[1])).toEqual(combos.map((c, i) => `${comboLabel(c)}${i === autoIndex ? ' (auto)' : ''}`));
    const col = (name: (typeof X264_TABLE_HEAD)[number]) => X264_TABLE_HEAD.indexOf(name);
    for (const r of rows) {
      expect(r[0]).toMatch(/^160x90 x2: 320x180 [\d.]+ Mbit\/s \+ 160x90 [\d.]+ Mbit\/s$/);
      const cpu = Number(r[col('CPU ms/frame')]);
      expect(cpu).toBeGreaterThan(0);
      expect(Number(r[col('wall fps')])).toBeGreaterThan(0);
      expect(Number(r[col('cores at 30 fps')])).toBeCloseTo((cpu * 30) / 1000, 1);
      expect(Number(r[col('top-rung bytes')])).toBeGreaterThan(500);
      const db = Number(r[col('top Y-PSNR dB')]);
      expect(db).toBeGreaterThan(20);
      expect(db).toBeLessThan(70);
    }
    // The baseline row is 1x and +0 against itself.
    expect(rows[0]?.[col('bits vs baseline')]).toBe('1.000x');
    expect(rows[0]?.[col('dB vs baseline')]).toBe('+0.00');
    expect(section.notes.join(' ')).toContain('generated clip');
    expect(renderSection(section)).toContain('| ladder | presets (top,lower) |');
    expect(x264TempDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 60_000);
});

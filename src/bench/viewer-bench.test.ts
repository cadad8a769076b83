import { describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { runViewerBench, targetRows, timeSource } from './viewer-bench.js';
import type { QualityRun, TimeRun } from './viewer-report.js';

const q = (flicker: number): QualityRun => ({
  psnrAt: new Float64Array(10),
  ssimAt: new Float64Array(10),
  psnr: 30,
  ssim: 0.9,
  staticFlicker: flicker,
  staticShare: 0.5,
  scored: 10,
  aiShare: 1,
  aiPixelShare: 1,
  framesIn: 10,
  framesOut: 10,
  decoded: 10,
  offset: 0,
  startOffset: 0,
  endOffset: 0,
  load: 1,
  warnings: [],
});
const t = (aiShare: number, fps: number, aiPixelShare = aiShare): TimeRun => ({
  aiShare,
  aiPixelShare,
  fps,
  framesIn: 900,
  framesOut: 900,
  deadlineMisses: 0,
  drainSeconds: 1,
  load: 1,
  warnings: [],
});
const server = {
  cli: '/nonexistent/main.js',
  model: undefined,
  provider: 'cpu' as const,
  workers: 2,
  hysteresis: true,
  x264Preset: 'veryfast' as const,
};
const base = {
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffprobe',
  server,
  clips: null,
  crfs: [23],
  repeats: 1,
  ssimEvery: 10,
  timeSeconds: 0,
  log: silentLogger,
};

describe('viewer benchmark section', () => {
  test("issue 12's targets: AI share (luma pixels, or frames from a server without them) at 640x360 and 1280x720, output fps, static flicker no worse than bicubic", () => {
    const rows = targetRows(
      [{ clip: 'car', inSize: '384x216', outSize: '768x432', crf: 23, truthFrames: 10, model: [q(0.2)], bicubic: [q(0.25)] }],
      [
        { inSize: '640x360', inputFps: 30, published: 900, model: [t(0.43, 29.9)], bicubic: [t(0, 30)] },
        { inSize: '1280x720', inputFps: 30, published: 900, model: [t(0.6, 20, NaN)], bicubic: [t(0, 20)] },
      ],
    );
    expect(rows.map((r) => [r.case, r.target, r.pass])).toEqual([
      ['640x360 in: AI share of output luma pixels', '>= 0.95', false],
      ['640x360 in: output fps with the model', '>= 0.97', true],
      ['1280x720 in: AI share of output frames', '>= 0.50', true],
      ['1280x720 in: output fps with the model', '>= 0.97', false],
      ['car CRF 23: flicker on static pixels', '<= 1.0', true],
    ]);
  });

  test('the time-only runs loop bottle-detection when present, else the first clip', () => {
    expect(
      timeSource([
        { name: 'asl', files: ['/a/1.mkv'] },
        { name: 'bottle-detection', files: ['/b.mp4'] },
      ]),
    ).toBe('/b.mp4');
    expect(timeSource([{ name: 'asl', files: ['/a/1.mkv'] }])).toBe('/a/1.mkv');
    expect(timeSource([])).toBeNull();
  });

  test('without clips the section is skipped with a message naming the folder and the flag', async () => {
    const s = await runViewerBench({ ...base, videoDir: '/nonexistent/video' });
    expect(s.rows).toEqual([]);
    expect(s.notes.join(' ')).toMatch(/Skipped: no clips in \/nonexistent\/video \(pass --video-dir DIR/);
  });

  test('without a built CLI it says how to build one', async () => {
    await expect(runViewerBench({ ...base, server: { ...server, cli: null }, videoDir: '/x' })).rejects.toThrow(/npm run build/);
  });
});

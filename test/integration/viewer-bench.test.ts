/**
 * The viewer-quality benchmark's harness, end to end: a synthetic clip is the truth, published
 * live through a real `uprez serve` process (the CLI built from this tree), the top rendition
 * decoded and scored. Proves: every frame is accounted for, bicubic against bicubic gains exactly
 * zero, an injected offset is found on real output, and the section assembles.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderSection } from '../../src/bench/bench-section.js';
import { runFfmpeg } from '../../src/ffmpeg/run-ffmpeg.js';
import { findOffset } from '../../src/bench/frame-align.js';
import { LumaFile, type LumaFrames } from '../../src/bench/luma-file.js';
import { runViewerBench } from '../../src/bench/viewer-bench.js';
import type { ViewerContext, ViewerServer } from '../../src/bench/viewer-context.js';
import { decodeLumaArgs, publisherArgs, truthArgs } from '../../src/bench/viewer-media.js';
import { runQualityClip, scoreRun, type QualityExtra } from '../../src/bench/viewer-quality.js';
import { runLive } from '../../src/bench/viewer-run.js';
import { silentLogger } from '../../src/log/logger.js';
import { buildCli, processesMentioning, REPO_ROOT } from '../helpers/built-cli.js';
import { makeTestClip, testBinaries } from '../helpers/ffmpeg-fixtures.js';

const FRAMES = 90; // 3 s at 30 fps
// One keyframe per clip: the ingest gives a decoder that joins late everything from the last
// keyframe, so a slow start on a loaded machine loses no frame here (with the bench's 2 s
// keyframes it can lose the first GOP, and the bench reports that).
const GOP_SECONDS = 10;
let dir = '';
let videoDir = '';
let clipFile = '';
let cli = '';
const bins = testBinaries();

function context(server: Partial<ViewerServer> = {}): ViewerContext {
  return {
    ffmpeg: bins.ffmpeg,
    ffprobe: bins.ffprobe,
    server: { cli, cwd: REPO_ROOT, model: undefined, provider: 'cpu', workers: 2, hysteresis: true, x264Preset: 'veryfast', ...server },
    log: silentLogger,
    progress: () => {},
    loads: [],
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-viewer-'));
  cli = await buildCli(path.join(dir, 'build'));
  videoDir = path.join(dir, 'video');
  mkdirSync(videoDir);
  clipFile = await makeTestClip(
    { dir: videoDir, width: 320, height: 240, fps: 30, seconds: FRAMES / 30, audio: false, name: 'synthetic.mp4' },
    bins.ffmpeg,
  );
}, 240_000);

afterAll(() => {
  expect(processesMentioning(dir)).toEqual([]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('viewer-quality harness through a real server', () => {
  test('bicubic on both sides: every frame accounted for, aligned at 0, and the gain is exactly zero', async () => {
    const extra: QualityExtra = { models: new Set(), minAlignMargin: Infinity, provider: null };
    const work = mkdtempSync(path.join(dir, 'q-'));
    const [c, ...rest] = await runQualityClip(
      context({ model: 'none' }),
      { name: 'synthetic', files: [clipFile] },
      { crfs: [30], repeats: 1, ssimEvery: 5, dir: work, gopSeconds: GOP_SECONDS },
      extra,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ inSize: '160x120', outSize: '320x240', crf: 30, truthFrames: FRAMES });
    const [m, b] = [c?.model[0], c?.bicubic[0]];
    for (const r of [m, b])
      expect(r).toMatchObject({
        framesIn: FRAMES,
        framesOut: FRAMES,
        decoded: FRAMES,
        scored: FRAMES,
        offset: 0,
        startOffset: 0,
        endOffset: 0,
        aiShare: 0,
      });
    expect(m?.psnr).toBeGreaterThan(20);
    expect(m?.psnr).toBeLessThan(60);
    expect(m?.psnr).toBe(b?.psnr);
    expect(m?.ssim).toBe(b?.ssim);
    expect(m?.staticFlicker).toBe(b?.staticFlicker);
    expect(extra.minAlignMargin).toBeGreaterThan(0.5);
  });

  test('with the model: frames out = frames in = published = decoded; an injected offset is found on the real output', async () => {
    const work = mkdtempSync(path.join(dir, 'm-'));
    const rate = { num: 30, den: 1 };
    const truthY4m = path.join(work, 't.y4m');
    const truthY = path.join(work, 't.y');
    const pub = path.join(work, 'p.flv');
    const outY = path.join(work, 'o.y');
    await runFfmpeg({
      bin: bins.ffmpeg,
      args: truthArgs([clipFile], 320, 240, rate, truthY4m),
      name: 'ffmpeg',
      log: silentLogger,
      timeoutMs: null,
    });
    await runFfmpeg({ bin: bins.ffmpeg, args: decodeLumaArgs(truthY4m, truthY), name: 'ffmpeg', log: silentLogger, timeoutMs: null });
    await runFfmpeg({
      bin: bins.ffmpeg,
      args: publisherArgs(truthY4m, { width: 160, height: 120, crf: 23, rate, gopSeconds: GOP_SECONDS }, pub),
      name: 'ffmpeg',
      log: silentLogger,
      timeoutMs: null,
    });
    const run = await runLive({
      ffmpeg: bins.ffmpeg,
      cli,
      cwd: REPO_ROOT,
      clip: pub,
      key: 'viewer-test',
      serveFlags: ['--provider', 'cpu'],
      lumaOut: outY,
      log: silentLogger,
    });
    const f = run.stream.frames;
    expect([f.in, f.out, run.decodedFrames]).toEqual([FRAMES, FRAMES, FRAMES]);
    expect(f.model + f.bicubic).toBe(f.out);
    expect(run.stream.model).toBe('uprez-x2-fast');
    expect(run.top).toMatchObject({ width: 320, height: 240, endlist: true });
    expect(run.top.segments).toBeGreaterThanOrEqual(2);

    const truth = new LumaFile(truthY, 320, 240);
    const out = new LumaFile(outY, 320, 240);
    try {
      const dropped: LumaFrames = { width: 320, height: 240, count: out.count - 3, frame: (i) => out.frame(i + 3) };
      expect(findOffset(dropped, truth, { maxOffset: 8, frames: 30, shave: 2 }).offset).toBe(3);
      const scored = await scoreRun(outY, truth, run.stream, run.decodedFrames ?? 0, 10);
      expect(scored).toMatchObject({ offset: 0, startOffset: 0, endOffset: 0, scored: FRAMES, framesIn: FRAMES, framesOut: FRAMES });
      expect(scored.aiShare).toBe(f.model / f.out);
    } finally {
      truth.close();
      out.close();
    }
  });

  test('the section: quality, flicker, offline and time tables from one call (both sides bicubic: +0.00 everywhere)', async () => {
    const s = await runViewerBench({
      ffmpeg: bins.ffmpeg,
      ffprobe: bins.ffprobe,
      server: { cli, cwd: REPO_ROOT, model: 'none', provider: 'cpu', workers: 2, hysteresis: true, x264Preset: 'veryfast' },
      videoDir,
      clips: null,
      crfs: [23],
      repeats: 1,
      ssimEvery: 10,
      timeSeconds: 3,
      timeSizes: [{ width: 160, height: 120 }],
      gopSeconds: GOP_SECONDS,
      offline: true,
      log: silentLogger,
    });
    expect(s.id).toBe('viewer');
    const [quality, flicker, offline, time] = s.tables ?? [];
    // Offline with --model none on the live side is bicubic against bicubic too.
    expect(offline?.rows).toEqual([['synthetic', '23', 'bicubic', expect.any(String), expect.any(String), '+0.00', '+0.0000', 'n/a']]);
    expect(quality?.rows).toEqual([
      [
        'synthetic',
        '160x120 -> 320x240',
        '23',
        expect.any(String),
        expect.any(String),
        '+0.00',
        expect.any(String),
        expect.any(String),
        '+0.0000',
        '0.0 % / 0.0 %',
        expect.any(String),
        `${FRAMES}/${FRAMES} of ${FRAMES}`,
        '0',
      ],
    ]);
    expect(flicker?.rows[0]?.[5]).toBe('1.00');
    expect(time?.rows[0]?.[0]).toBe('160x120 @ 30.00 fps');
    expect(time?.rows[0]?.[7]).toBe(`${FRAMES} / ${FRAMES} of ${FRAMES}`);
    expect(renderSection(s)).toContain('| synthetic | 160x120 -> 320x240 | 23 |');
  });
});

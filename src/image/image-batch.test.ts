import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resizePlaneBicubic } from '../upscale/bicubic.js';
import { runImageBatch, type BatchEvent, type BatchOptions } from './image-batch.js';
import { inlineJobRunner } from './image-job-runner.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import { createRgbImage } from './rgb-image.js';
import { encodeRgb8 } from './rgb8-io.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-batch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** slowLuma is a bicubic "model" that takes `ms` per call and records how many calls overlapped at most. */
function slowLuma(ms: number): LumaUpscaler & { peak: () => number; calls: () => number } {
  let now = 0;
  let peak = 0;
  let calls = 0;
  return {
    upscaleLuma: async (y, w, h) => {
      calls++;
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, ms));
      now--;
      return { y: resizePlaneBicubic(y, w, h, 2 * w, 2 * h) };
    },
    peak: () => peak,
    calls: () => calls,
  };
}

async function images(n: number): Promise<string> {
  const src = path.join(dir, 'in');
  await mkdir(src);
  const png = await encodeRgb8(createRgbImage(6, 4, new Uint8Array(72).fill(90)), 'png');
  for (let i = 0; i < n; i++) await writeFile(path.join(src, `p${i}.png`), png);
  return src;
}

const base = (src: string, luma: LumaUpscaler, onEvent: (e: BatchEvent) => void): BatchOptions => ({
  inputs: [src],
  outDir: path.join(dir, 'out'),
  scale: 2,
  format: undefined,
  quality: 90,
  force: false,
  inFlight: 3,
  luma,
  runner: inlineJobRunner(),
  onEvent,
});

describe('runImageBatch', () => {
  test('keeps at most inFlight images in flight, and uses them all', async () => {
    const src = await images(8);
    const luma = slowLuma(30);
    const events: BatchEvent[] = [];
    const s = await runImageBatch(base(src, luma, (e) => events.push(e)));
    expect(s).toMatchObject({ done: 8, skipped: 0, failed: 0, ignored: 0, stopped: false });
    expect(luma.peak()).toBe(3);
    expect(events.map((e) => e.kind)).toEqual(Array(8).fill('done'));
    expect((await readdir(path.join(dir, 'out'))).length).toBe(8);
  });

  test('an abort stops taking inputs; the images in flight are finished and written whole', async () => {
    const src = await images(8);
    const luma = slowLuma(20);
    const abort = new AbortController();
    const events: BatchEvent[] = [];
    const s = await runImageBatch({
      ...base(src, luma, (e) => {
        events.push(e);
        abort.abort();
      }),
      inFlight: 2,
      signal: abort.signal,
    });
    expect(s.stopped).toBe(true);
    expect(s.done).toBe(2);
    expect(luma.calls()).toBe(2);
    expect((await readdir(path.join(dir, 'out'))).sort()).toEqual(['p0.png', 'p1.png']);
  });
});

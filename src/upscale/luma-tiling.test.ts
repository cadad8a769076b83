import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { cropWindow, haloFor, pasteCore, probeReceptiveRadius, upscaleLumaInTiles } from './luma-tiling.mjs';
import { planTiles } from './rgb-tiling.mjs';

const MODELS = path.resolve(import.meta.dirname, '../../models');

async function session(name: string) {
  const s = await ort.InferenceSession.create(path.join(MODELS, `${name}.onnx`), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const run = async (y: Uint8Array, width: number, height: number) => {
    const out = (await s.run({ [s.inputNames[0] as string]: new ort.Tensor('uint8', y, [1, 1, height, width]) }))[
      s.outputNames[0] as string
    ] as ort.Tensor;
    return { y: out.data as Uint8Array, width: Number(out.dims[3]), height: Number(out.dims[2]) };
  };
  return { s, run };
}

function texture(w: number, h: number): Uint8Array {
  const y = new Uint8Array(w * h);
  let seed = 7;
  for (let i = 0; i < y.length; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const x = i % w;
    const r = (i / w) | 0;
    // edges, gradients and noise, so every layer has something to do
    y[i] = Math.min(255, ((x * 3 + r * 5) & 255) / 2 + (((x >> 4) + (r >> 4)) % 2) * 60 + ((seed >>> 24) & 31));
  }
  return y;
}

describe('luma tiling', () => {
  test('windows start on even pixels and cores cover the frame once', () => {
    const tiles = planTiles(601, 347, 256, 16);
    const covered = new Uint8Array(601 * 347);
    for (const t of tiles) {
      expect(t.px % 2).toBe(0);
      expect(t.py % 2).toBe(0);
      for (let r = t.y; r < t.y + t.h; r++)
        for (let c = t.x; c < t.x + t.w; c++) covered[r * 601 + c] = (covered[r * 601 + c] as number) + 1;
    }
    expect(covered.every((v) => v === 1)).toBe(true);
  });

  test('cropWindow and pasteCore move exactly the core', () => {
    const y = texture(20, 12);
    const [t] = planTiles(20, 12, 8, 2).filter((x) => x.x === 8 && x.y === 8);
    const win = cropWindow(y, 20, t!);
    expect(win.length).toBe(t!.pw * t!.ph);
    expect(win[0]).toBe(y[t!.py * 20 + t!.px]);
    const dst = new Uint8Array(40 * 24);
    const up = new Uint8Array(t!.pw * 2 * t!.ph * 2).fill(9);
    pasteCore(up, t!, 2, dst, 40);
    expect(dst.filter((v) => v === 9).length).toBe(t!.w * 2 * t!.h * 2);
  });

  test.each(['uprez-x2-tiny', 'uprez-x2-fast', 'uprez-x2', 'uprez-x2-live', 'uprez-x4'])(
    '%s: the measured radius gives tiles whose output is the whole-frame output, bit for bit (also at odd sizes)',
    async (name) => {
      const { s, run } = await session(name);
      try {
        const probe = await probeReceptiveRadius(run);
        expect(probe).not.toBeNull();
        const halo = haloFor(probe!.radius);
        for (const [w, h] of [
          [400, 232],
          [331, 187],
        ] as const) {
          const y = texture(w, h);
          const whole = await run(y, w, h);
          const tiled = await upscaleLumaInTiles(run, y, w, h, { tile: 128, halo, scale: probe!.scale });
          expect(tiled.tiles).toBeGreaterThan(2);
          expect(Buffer.from(tiled.y).equals(Buffer.from(whole.y))).toBe(true);
        }
      } finally {
        await s.release();
      }
    },
    60_000,
  );

  test('a halo below the receptive radius does change the output (the comparison above can fail)', async () => {
    const { s, run } = await session('uprez-x2-fast');
    try {
      const y = texture(400, 232);
      const whole = await run(y, 400, 232);
      const tiled = await upscaleLumaInTiles(run, y, 400, 232, { tile: 128, halo: 2, scale: 2 });
      expect(Buffer.from(tiled.y).equals(Buffer.from(whole.y))).toBe(false);
    } finally {
      await s.release();
    }
  });

  test('haloFor: at least 8, even, with a margin', () => {
    expect([0, 4, 5, 6, 7, 8, 14, 15].map(haloFor)).toEqual([8, 8, 8, 8, 16, 16, 16, 24]);
  });
});

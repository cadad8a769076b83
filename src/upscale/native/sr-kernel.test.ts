/**
 * The native SR kernel (build/Release/uprez_sr.node) against onnxruntime-node on the shipped
 * models and on synthetic graphs, on every instruction set this CPU runs: max abs error <= 1
 * grey level on real and odd-sized frames, flat frames, and regions bit-exact with the frame.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, test } from 'vitest';
import { resizePlaneBicubic } from '../bicubic.js';
import { parseOnnxModel } from './onnx-proto.js';
import { srGraph, type SrGraphDesc } from './onnx-test-kit.js';
import { loadNativeSr } from './sr-addon.mjs';
import { recogniseSrNet, type SrNetSpec } from './sr-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLIP = '/work/shared/datasets/video/bottle-detection.mp4';
const FRAME = path.join(ROOT, 'test-artifacts', 'native-sr-frame-640x360.y');
const load = loadNativeSr({});
const addon = load.addon;
if (!addon) console.warn(`native SR kernel tests skipped: ${load.why}`);
const isas = addon ? addon.isas() : [];

function specOf(bytes: Uint8Array): SrNetSpec {
  const r = recogniseSrNet(parseOnnxModel(bytes));
  if (!r.ok) throw new Error(r.reason);
  return r.spec;
}

/** texture is a deterministic plane with edges, gradients and noise (like a frame, without needing one). */
function texture(w: number, h: number, seed = 1): Uint8Array {
  let s = seed;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const v = 128 + 90 * Math.sin(x * 0.21 + y * 0.07) * Math.cos(y * 0.13) + ((x >> 3) + (y >> 3)) % 2 * 30 + (s >>> 27) - 16;
      out[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

function crop(src: Uint8Array, sw: number, x0: number, y0: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(src.subarray((y0 + y) * sw + x0, (y0 + y) * sw + x0 + w), y * w);
  return out;
}

/** realFrame decodes one frame of the shared clip to grey (cached under test-artifacts); null without the clip. */
async function realFrame(): Promise<Uint8Array | null> {
  if (existsSync(FRAME)) return readFileSync(FRAME);
  if (!existsSync(CLIP)) return null;
  const { execFileSync } = await import('node:child_process');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const y = execFileSync('ffmpeg', ['-v', 'error', '-ss', '5', '-i', CLIP, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 22 });
  mkdirSync(path.dirname(FRAME), { recursive: true });
  writeFileSync(FRAME, y);
  return new Uint8Array(y);
}

async function ortRun(session: ort.InferenceSession, y: Uint8Array, w: number, h: number): Promise<Uint8Array> {
  const out = await session.run({ [session.inputNames[0] as string]: new ort.Tensor('uint8', y, [1, 1, h, w]) });
  return out[session.outputNames[0] as string]?.data as Uint8Array;
}

function nativeRun(spec: SrNetSpec, isa: string, y: Uint8Array, w: number, h: number, strip = 0): Uint8Array {
  const net = addon!.create(spec, isa);
  const out = new Uint8Array(w * spec.scale * h * spec.scale);
  addon!.run(net, y, w, h, out, strip);
  return out;
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const ODD_SIZES: [number, number][] = [
  [1, 1],
  [2, 9],
  [7, 5],
  [33, 17],
  [97, 61],
];

describe.skipIf(!addon)('native SR kernel vs onnxruntime on the shipped models', () => {
  const sessions = new Map<string, { session: ort.InferenceSession; spec: SrNetSpec }>();
  let real: Uint8Array | null = null;
  beforeAll(async () => {
    for (const name of ['uprez-x2-fast', 'uprez-x2-tiny', 'uprez-x2', 'uprez-x4']) {
      const file = path.join(ROOT, 'models', `${name}.onnx`);
      sessions.set(name, { session: await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 }), spec: specOf(readFileSync(file)) });
    }
    real = await realFrame();
    if (!real) console.warn(`real-frame cases skipped: ${CLIP} is absent`);
  }, 60_000);

  test.each(['uprez-x2-fast', 'uprez-x2-tiny', 'uprez-x2', 'uprez-x4'])('%s: within 1 grey level on textured and odd sizes, every instruction set', async (name) => {
    const { session, spec } = sessions.get(name)!;
    for (const [w, h] of [[160, 90], ...ODD_SIZES] as [number, number][]) {
      const y = texture(w, h, w * 7 + h);
      const ref = await ortRun(session, y, w, h);
      for (const isa of isas) expect(maxDiff(nativeRun(spec, isa, y, w, h), ref), `${name} ${isa} ${w}x${h}`).toBeLessThanOrEqual(1);
    }
  }, 120_000);

  test.each(['uprez-x2-fast', 'uprez-x2-tiny', 'uprez-x2', 'uprez-x4'])('%s: within 1 grey level on a real frame (whole for x2 fast/tiny, an odd crop for the others)', async (name) => {
    if (!real) return;
    const { session, spec } = sessions.get(name)!;
    const heavy = name === 'uprez-x2' || name === 'uprez-x4';
    const [w, h] = heavy ? [241, 139] : [640, 360];
    const y = heavy ? crop(real, 640, 101, 77, w, h) : real;
    const ref = await ortRun(session, y, w, h);
    for (const isa of isas) {
      const out = nativeRun(spec, isa, y, w, h);
      expect(maxDiff(out, ref), `${name} ${isa}`).toBeLessThanOrEqual(1);
      // Off-by-one pixels are float rounding at .5 boundaries: rare.
      expect(out.filter((v, i) => v !== ref[i]).length / out.length).toBeLessThan(0.001);
    }
  }, 120_000);

  test.each(['uprez-x2-fast', 'uprez-x2-tiny', 'uprez-x2', 'uprez-x4'])('%s: a flat frame matches onnxruntime and stays exactly flat inside (everywhere with edge padding: tiny)', async (name) => {
    const { session, spec } = sessions.get(name)!;
    for (const v of [0, 77, 255]) {
      const y = new Uint8Array(48 * 27).fill(v);
      const ref = await ortRun(session, y, 48, 27);
      for (const isa of isas) {
        const out = nativeRun(spec, isa, y, 48, 27);
        expect(maxDiff(out, ref), `${name} ${isa} flat ${v}`).toBeLessThanOrEqual(1);
        if (spec.body.every((c) => c.edge)) expect(new Set(out).size, `${name} ${isa} flat ${v}`).toBe(1);
        // Zero-padded nets see the border; beyond their receptive radius a flat frame stays exactly flat.
        const s = spec.scale;
        const inner = crop(out, 48 * s, spec.radius * s, spec.radius * s, (48 - 2 * spec.radius) * s, (27 - 2 * spec.radius) * s);
        expect(new Set(inner).size, `${name} ${isa} flat ${v} inside`).toBe(1);
      }
    }
  }, 60_000);
});

describe.skipIf(!addon)('native SR kernel vs onnxruntime on synthetic graphs', () => {
  test.each<[string, SrGraphDesc]>([
    ['x3, edge padding, no skip, 3x3 first conv', { scale: 3, skip: false, layers: [{ cout: 12, k: 3, relu: true, pad: 'edge' }, { cout: 9, k: 3, relu: false, pad: 'edge' }] }],
    ['x2, 6 and 12 channels (not multiples of the vector blocks)', { scale: 2, layers: [{ cout: 6, k: 5, relu: true }, { cout: 12, k: 3, relu: true }, { cout: 4, k: 5, relu: false }] }],
    ['x4, a single conv body', { scale: 4, layers: [{ cout: 16, k: 3, relu: false }] }],
    ['x2, mixed padding, ReLU on the last conv', { scale: 2, layers: [{ cout: 8, k: 5, relu: true, pad: 'edge' }, { cout: 4, k: 3, relu: true }] }],
  ])('%s', async (_label, d) => {
    const bytes = srGraph({ ...d, seed: 7 });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const spec = specOf(bytes);
    for (const [w, h] of [[64, 40], ...ODD_SIZES] as [number, number][]) {
      const y = texture(w, h, 3);
      const ref = await ortRun(session, y, w, h);
      for (const isa of isas) expect(maxDiff(nativeRun(spec, isa, y, w, h), ref), `${isa} ${w}x${h}`).toBeLessThanOrEqual(1);
    }
  }, 60_000);
});

describe.skipIf(!addon)('native SR regions', () => {
  const W = 97;
  const H = 61;
  const y = texture(W, H, 11);
  const rects = [
    [0, 0, 5, 3],
    [92, 58, 5, 3],
    [0, 0, W, H],
    [96, 0, 1, 1],
    [0, 60, 1, 1],
    [40, 20, 32, 32],
    [3, 50, 90, 11],
    [60, 0, 37, 8],
  ];

  test.each(['uprez-x2-fast', 'uprez-x2-tiny', 'uprez-x4'])('%s: every rectangle is bit-exact with the whole frame inside it, as are strips', (name) => {
    const spec = specOf(readFileSync(path.join(ROOT, 'models', `${name}.onnx`)));
    const s = spec.scale;
    for (const isa of isas) {
      const whole = nativeRun(spec, isa, y, W, H);
      for (const strip of [1, 7, 64]) expect(maxDiff(nativeRun(spec, isa, y, W, H, strip), whole), `${isa} strip ${strip}`).toBe(0);
      const net = addon!.create(spec, isa);
      const total = rects.reduce((n, r) => n + (r[2] as number) * s * (r[3] as number) * s, 0);
      const out = new Uint8Array(total);
      addon!.runRegions(net, y, W, H, Int32Array.from(rects.flat()), out, null);
      let off = 0;
      for (const [x0, y0, rw, rh] of rects as [number, number, number, number][]) {
        const n = rw * s * rh * s;
        expect(maxDiff(out.subarray(off, off + n), crop(whole, W * s, x0 * s, y0 * s, rw * s, rh * s)), `${isa} ${[x0, y0, rw, rh]}`).toBe(0);
        off += n;
      }
    }
  });

  test('uprez-x2 on a frame wider than one cache-sized strip: the strips and a region split into chunks match onnxruntime and each other', async () => {
    const file = path.join(ROOT, 'models', 'uprez-x2.onnx');
    const spec = specOf(readFileSync(file));
    const [w, h] = [1500, 12];
    const y = texture(w, h, 5);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const ref = await ortRun(session, y, w, h);
    const isa = isas[0]!;
    // The case exists only if the 1400-column region is wider than what the kernel keeps in cache.
    expect(addon!.describe(addon!.create(spec, isa)).cacheStripWidth).toBeLessThan(1400);
    const whole = nativeRun(spec, isa, y, w, h);
    expect(maxDiff(whole, ref)).toBeLessThanOrEqual(1);
    const net = addon!.create(spec, isa);
    const out = new Uint8Array(1400 * 2 * 10 * 2);
    const residual = new Int16Array(out.length);
    addon!.runRegions(net, y, w, h, Int32Array.from([50, 1, 1400, 10]), out, residual);
    expect(maxDiff(out, crop(whole, w * 2, 100, 2, 2800, 20))).toBe(0);
    const whole2 = new Uint8Array(w * 2 * h * 2);
    const res2 = new Int16Array(whole2.length);
    addon!.runRegions(net, y, w, h, Int32Array.from([0, 0, w, h]), whole2, res2);
    for (let r = 0; r < 20; r++) expect([...residual.subarray(r * 2800, (r + 1) * 2800)]).toEqual([...res2.subarray((r + 2) * w * 2 + 100, (r + 2) * w * 2 + 2900)]);
  }, 60_000);

  test("uprez-x2-fast: output minus residual is the model's bicubic skip, within 1 grey level of the stage's bicubic", () => {
    const spec = specOf(readFileSync(path.join(ROOT, 'models', 'uprez-x2-fast.onnx')));
    const net = addon!.create(spec, isas[0]!);
    const out = new Uint8Array(W * 2 * H * 2);
    const residual = new Int16Array(out.length);
    addon!.runRegions(net, y, W, H, Int32Array.from([0, 0, W, H]), out, residual);
    const skip = out.map((v, i) => v - (residual[i] as number));
    expect(maxDiff(skip, resizePlaneBicubic(y, W, H, W * 2, H * 2))).toBeLessThanOrEqual(1);
    expect(residual.some((v) => v !== 0)).toBe(true);
  });

  test('bad calls throw ERR_UPREZ_SR and touch nothing', () => {
    const spec = specOf(readFileSync(path.join(ROOT, 'models', 'uprez-x2-tiny.onnx')));
    const net = addon!.create(spec, 'scalar');
    const dst = new Uint8Array(16);
    expect(() => addon!.runRegions(net, y, W, H, Int32Array.from([95, 0, 3, 1]), dst, null)).toThrow(/not inside the frame/);
    expect(() => addon!.runRegions(net, y, W, H, Int32Array.from([0, 0, 3, 3]), dst, null)).toThrow(/smaller than the rectangles/);
    expect(() => addon!.run(net, y, W, H + 1, new Uint8Array(W * H * 4), 0)).toThrow(/src is smaller/);
    expect(() => addon!.create({ ...spec, body: [{ ...spec.body[0]!, weight: new Float32Array(3) }, ...spec.body.slice(1)] }, 'scalar')).toThrow(/weight or bias size/);
    expect(() => addon!.create(spec, 'avx9000')).toThrow(/not available/);
    expect(dst.every((v) => v === 0)).toBe(true);
  });

  test('the FMA probe reports a positive rate for each instruction set', () => {
    for (const isa of isas) expect(addon!.fmaPeak(isa, 1000).gmacs).toBeGreaterThan(0);
  });
});

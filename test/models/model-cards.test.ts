import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';

// Every shipped model (models/NAME.onnx + models/NAME.json) keeps the uprez contract: its card is
// complete and matches the file, and the graph maps uint8 Y [1,1,H,W] to uint8 Y [1,1,sH,sW].
const modelsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const names = readdirSync(modelsDir)
  .filter((f) => f.endsWith('.json') && readdirSync(modelsDir).includes(f.replace(/\.json$/, '.onnx')))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

type Card = Record<string, unknown> & { name: string; scale: number; default: boolean; sha256: string };
const cards = new Map<string, Card>(names.map((n) => [n, JSON.parse(readFileSync(path.join(modelsDir, `${n}.json`), 'utf8')) as Card]));

describe('shipped models', () => {
  test('there is a default x2 model', () => {
    expect([...cards.values()].filter((c) => c.scale === 2 && c.default).map((c) => c.name)).toHaveLength(1);
  });

  test('exactly one default for every scale that has a model', () => {
    for (const scale of new Set([...cards.values()].map((c) => c.scale))) {
      expect([...cards.values()].filter((c) => c.scale === scale && c.default).map((c) => c.name), `x${scale}`).toHaveLength(1);
    }
  });

  test('at most one live default per scale, and the x2 one is the fast model (it must keep up on a CPU)', () => {
    for (const scale of new Set([...cards.values()].map((c) => c.scale))) {
      expect([...cards.values()].filter((c) => c.scale === scale && c['liveDefault'] === true).length, `x${scale}`).toBeLessThanOrEqual(1);
    }
    const live = [...cards.values()].find((c) => c.scale === 2 && c['liveDefault'] === true);
    const quality = [...cards.values()].find((c) => c.scale === 2 && c.default);
    expect(live?.name).toBe('uprez-x2-fast');
    expect(Number(live?.['macsPerPixel'])).toBeLessThan(Number(quality?.['macsPerPixel']));
  });

  test('at most one live fallback per scale: cheaper than the live default, never a default itself', () => {
    for (const scale of new Set([...cards.values()].map((c) => c.scale))) {
      const fallbacks = [...cards.values()].filter((c) => c.scale === scale && c['liveFallback'] === true);
      expect(fallbacks.length, `x${scale}`).toBeLessThanOrEqual(1);
      const live = [...cards.values()].find((c) => c.scale === scale && c['liveDefault'] === true);
      for (const f of fallbacks) {
        expect(f.default || f['liveDefault'] === true, f.name).toBe(false);
        if (live) expect(Number(f['macsPerPixel']), f.name).toBeLessThan(Number(live['macsPerPixel']));
      }
    }
    expect([...cards.values()].find((c) => c.scale === 2 && c['liveFallback'] === true)?.name).toBe('uprez-x2-tiny');
  });

  test.each(names)('%s: card fields, size and sha256', (name) => {
    const card = cards.get(name) as Card;
    const onnxPath = path.join(modelsDir, `${name}.onnx`);
    expect(card.name).toBe(name);
    expect(card['layout']).toBe('y_uint8');
    expect(card['input']).toEqual({ name: 'y', dtype: 'uint8', shape: [1, 1, 'H', 'W'] });
    expect(typeof card['license']).toBe('string');
    expect(typeof card['macsPerPixel']).toBe('number');
    expect(typeof card['cpuMsPerFrame640x360']).toBe('number');
    expect(statSync(onnxPath).size).toBeLessThan(5 * 1024 * 1024);
    expect(statSync(onnxPath).size).toBe(card['bytes']);
    expect(createHash('sha256').update(readFileSync(onnxPath)).digest('hex')).toBe(card.sha256);
    // Quality on Set5 is stated beside bicubic of the same input, and the model beats it, except a
    // heavy-compression family member (level 3), which only runs on such input and is held to it below.
    const set5 = (card['quality'] as { set5?: { psnrY?: unknown; bicubicPsnrY?: unknown; ssimY?: unknown } } | undefined)?.set5;
    expect(set5?.psnrY).toBeTypeOf('number');
    expect(set5?.ssimY).toBeTypeOf('number');
    if (card['denoiseLevel'] !== 3) expect(set5?.psnrY as number).toBeGreaterThan(set5?.bicubicPsnrY as number);
  });

  // Cards tell the truth on compressed input: the gain table of models/train/gains.py, measured on the
  // .onnx itself, for Set5 single frames and held-out real video frames, clean and through H.264.
  const CONDITIONS = ['clean', 'crf18', 'crf23', 'crf28', 'crf33'];
  type Row = { psnrY?: unknown; bicubicPsnrY?: unknown; gainDb?: unknown };
  type Compressed = { set5?: Record<string, Row>; video?: Record<string, Row>; flicker?: Record<string, Record<string, unknown>>; protocol?: unknown };
  const compressedOf = (card: Card): Compressed | undefined => (card['quality'] as { compressed?: Compressed } | undefined)?.compressed;

  test.each(names)('%s: the card carries the compressed-input gain table (Set5 and video, clean and CRF 18-33) and flicker', (name) => {
    const card = cards.get(name) as Card;
    const c = compressedOf(card);
    expect(c, 'quality.compressed').toBeDefined();
    expect(c?.protocol).toBeTypeOf('string');
    for (const set of ['set5', 'video'] as const) {
      expect(Object.keys(c?.[set] ?? {}).sort(), set).toEqual([...CONDITIONS].sort());
      for (const cond of CONDITIONS) {
        const row = c?.[set]?.[cond] as Row;
        for (const k of ['psnrY', 'bicubicPsnrY', 'gainDb'] as const) expect(row[k], `${set} ${cond} ${k}`).toBeTypeOf('number');
        // the gain is the difference of the two figures beside it (each rounded to 3 decimals)
        expect(Math.abs((row.psnrY as number) - (row.bicubicPsnrY as number) - (row.gainDb as number)), `${set} ${cond}`).toBeLessThanOrEqual(0.0015);
      }
    }
    // The clean Set5 row is the card's own Set5 figure, measured again through onnxruntime.
    const set5 = (card['quality'] as { set5: { psnrY: number; bicubicPsnrY: number } }).set5;
    expect(Math.abs((c?.set5?.['clean']?.psnrY as number) - set5.psnrY)).toBeLessThan(0.01);
    expect(Math.abs((c?.set5?.['clean']?.bicubicPsnrY as number) - set5.bicubicPsnrY)).toBeLessThan(0.01);
    for (const cond of CONDITIONS) {
      const f = c?.flicker?.[cond] as { model: number; bicubic: number; ratio: number };
      expect(f.model, `flicker ${cond}`).toBeTypeOf('number');
      expect(f.bicubic, `flicker ${cond}`).toBeGreaterThan(0);
      expect(Math.abs(f.ratio - f.model / f.bicubic), `flicker ${cond}`).toBeLessThan(0.002);
    }
  });

  // Families per compression level: "denoiseLevel" 0-3 and "family" (the NAME of the family's level-0
  // model, which carries the default / live flags); a stream switched to a member costs the same.
  const members = [...cards.values()].filter((c) => c['denoiseLevel'] !== undefined || c['family'] !== undefined);

  test.each(members.map((c) => c.name))('%s: a family member with a level, a family that exists, the same cost as its base', (name) => {
    const card = cards.get(name) as Card;
    expect([0, 1, 2, 3]).toContain(card['denoiseLevel']);
    expect(card['denoiseLevelMeaning']).toBeTypeOf('string');
    const base = cards.get(card['family'] as string);
    expect(base, `family ${String(card['family'])}`).toBeDefined();
    expect(base?.scale).toBe(card.scale);
    expect(base?.['denoiseLevel'] ?? 0).toBe(0);
    expect(card['macsPerPixel']).toBe(base?.['macsPerPixel']);
    if (base !== card) {
      expect(card.default || card['liveDefault'] === true || card['liveFallback'] === true, 'only the base carries the flags').toBe(false);
    }
    const siblings = [...cards.values()].filter((c) => c['family'] === card['family'] && c['denoiseLevel'] === card['denoiseLevel']);
    expect(siblings.map((c) => c.name), 'one model per level').toEqual([name]);
  });

  // A member serves its level: it beats bicubic on Set5 at the CRF in the middle of its level's range.
  const LEVEL_CRF = ['clean', 'crf23', 'crf28', 'crf33'];
  test.each(members.map((c) => c.name))('%s: beats bicubic on Set5 at the compression of its level', (name) => {
    const card = cards.get(name) as Card;
    const cond = LEVEL_CRF[card['denoiseLevel'] as number] as string;
    expect(compressedOf(card)?.set5?.[cond]?.gainDb as number, cond).toBeGreaterThan(0);
  });

  const heavy = members.filter((c) => c['denoiseLevel'] === 3).map((c) => c.name);
  test.each(heavy)('%s: a heavy-compression member never loses to bicubic at CRF 28-33 (Set5 and video)', (name) => {
    const card = cards.get(name) as Card;
    for (const set of ['set5', 'video'] as const) {
      for (const cond of ['crf28', 'crf33']) expect(compressedOf(card)?.[set]?.[cond]?.gainDb as number, `${set} ${cond}`).toBeGreaterThan(0);
    }
  });

  test.each(names)('%s: uint8 Y in, uint8 Y x scale out, flat stays flat', async (name) => {
    const card = cards.get(name) as Card;
    const session = await ort.InferenceSession.create(path.join(modelsDir, `${name}.onnx`), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    try {
      const [h, w] = [27, 41]; // odd sizes: the graph must not assume even or multiple-of-8 frames
      const y = new Uint8Array(h * w).fill(120);
      const out = await session.run({ [session.inputNames[0] as string]: new ort.Tensor('uint8', y, [1, 1, h, w]) });
      const t = out[session.outputNames[0] as string] as ort.Tensor;
      expect(t.type).toBe('uint8');
      expect(t.dims).toEqual([1, 1, h * card.scale, w * card.scale]);
      // A flat grey frame has no detail to add: every output pixel stays within 2 levels of it.
      const data = t.data as Uint8Array;
      expect(Math.max(...data)).toBeLessThanOrEqual(122);
      expect(Math.min(...data)).toBeGreaterThanOrEqual(118);
    } finally {
      await session.release();
    }
  });
});

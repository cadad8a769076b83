import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseOnnxModel } from './onnx-proto.js';
import { srGraph, type SrGraphDesc } from './onnx-test-kit.js';
import { recogniseSrNet, type Recognition } from './sr-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const recognise = (file: string): Recognition => recogniseSrNet(parseOnnxModel(readFileSync(path.join(ROOT, file))));
const card = (name: string) => JSON.parse(readFileSync(path.join(ROOT, 'models', `${name}.json`), 'utf8')) as { macsPerPixel: number; params: number };

const FAST: SrGraphDesc = {
  scale: 2,
  layers: [
    { cout: 6, k: 5, relu: true },
    { cout: 4, k: 3, relu: false },
  ],
};

describe('recogniseSrNet on the shipped models', () => {
  test.each([
    ['uprez-x2-fast', 2, [16, 16, 16, 4], false, 5],
    ['uprez-x2-tiny', 2, [8, 8, 4], true, 4],
    ['uprez-x2', 2, [22, 22, 22, 22, 22, 22, 4], false, 8],
    ['uprez-x4', 4, [28, 28, 28, 28, 16], false, 6],
  ])('%s: x%i, body channels %j, edge padding %s, radius %i; MACs and params as its card says', (name, scale, channels, edge, radius) => {
    const r = recognise(`models/${name}.onnx`);
    if (!r.ok) throw new Error(r.reason);
    const { spec } = r;
    expect(spec.scale).toBe(scale);
    expect(spec.body.map((c) => c.cout)).toEqual(channels);
    expect(spec.body.every((c) => c.edge === edge)).toBe(true);
    expect(spec.body.map((c) => c.relu)).toEqual(channels.map((_, i) => i < channels.length - 1));
    expect(spec.skip).toMatchObject({ cin: 1, cout: scale * scale, k: 5, edge: true, relu: false });
    expect(spec.radius).toBe(radius);
    expect(spec.inScale).toBeCloseTo(1 / 255, 9);
    expect(spec.outScale).toBe(255);
    expect(spec.macsPerPixel).toBe(card(name).macsPerPixel);
    const params = [...spec.body, ...(spec.skip ? [spec.skip] : [])].reduce((n, c) => n + c.weight.length + c.bias.length, 0);
    // Cards count learned parameters: the fixed skip's weights are a buffer, and it has no bias.
    expect(params - (spec.skip?.weight.length ?? 0) - (spec.skip?.bias.length ?? 0)).toBe(card(name).params);
  });

  test('uprez-x2-live (two-scale) is refused with the reason', () => {
    const r = recognise('models/uprez-x2-live.onnx');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/feeds 4 nodes/);
  });

  test.each([
    ['test/fixtures/rgb-x4-sharpen.onnx', /not uint8/],
    ['test/fixtures/x2-resize.onnx', /Resize/],
    ['test/fixtures/wrong-shape.onnx', /\[1,1,H,W\]/],
  ])('%s is refused (%s)', (file, why) => {
    const r = recognise(file);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });
});

describe('recogniseSrNet on synthetic graphs', () => {
  const run = (d: SrGraphDesc) => recogniseSrNet(parseOnnxModel(srGraph(d)));

  test('a small x2 net with zero padding, and an x3 net without a skip, are recognised', () => {
    const a = run(FAST);
    expect(a.ok && a.spec.body.map((c) => [c.cin, c.cout, c.k])).toEqual([
      [1, 6, 5],
      [6, 4, 3],
    ]);
    const b = run({ scale: 3, skip: false, layers: [{ cout: 9, k: 3, relu: false, pad: 'edge' }] });
    expect(b.ok && { skip: b.spec.skip, edge: b.spec.body[0]?.edge, scale: b.spec.scale }).toEqual({ skip: null, edge: true, scale: 3 });
  });

  test.each<[string, SrGraphDesc, RegExp]>([
    ['a stride-2 conv', { ...FAST, layers: [{ cout: 6, k: 5, relu: true, stride: 2 }, FAST.layers[1]!] }, /stride 2x2/],
    ['a dilated conv', { ...FAST, layers: [{ cout: 6, k: 3, relu: true, dilation: 2 }, FAST.layers[1]!] }, /dilated/],
    ['a 7x7 kernel', { ...FAST, layers: [{ cout: 6, k: 7, relu: true }, FAST.layers[1]!] }, /kernel 7x7/],
    ['reflect padding', { ...FAST, layers: [{ cout: 6, k: 5, relu: true, pad: 'reflect' }, FAST.layers[1]!] }, /Pad mode reflect/],
    ['a clip to studio range', { ...FAST, clip: [16, 235] }, /Clip 16\.\.235/],
    ['no Round before the cast', { ...FAST, round: false }, /Round was expected/],
    ['a last conv with the wrong channel count', { ...FAST, layers: [{ cout: 6, k: 5, relu: true }, { cout: 3, k: 3, relu: false }] }, /gives 3 channels/],
  ])('refuses %s', (_label, d, why) => {
    const r = run(d);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });
});

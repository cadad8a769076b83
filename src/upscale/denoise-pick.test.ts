import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { parseDenoiseFlag, pickDenoiseModel } from './denoise-pick.js';
import { parseModelCard, type ModelCard } from './model-registry.js';

const card = (name: string, json: Record<string, unknown>): ModelCard =>
  parseModelCard({ scale: 2, ...json }, name, `/${name}.onnx`, `/${name}.json`);
const fast = card('fast', { liveDefault: true, denoiseLevel: 0, family: 'fast' });
const d1 = card('fast-d1', { denoiseLevel: 1, family: 'fast' });
const d2 = card('fast-d2', { denoiseLevel: 2, family: 'fast' });
const quality = card('quality', { default: true });
const other = card('zz-d3', { denoiseLevel: 3, family: 'zz' });
const x4 = card('big-x4', { scale: 4, default: true });
const models = [fast, d1, d2, quality, x4];

describe('parseDenoiseFlag', () => {
  test('reads auto and 0-3, undefined when absent', () => {
    expect(parseDenoiseFlag(undefined)).toBeUndefined();
    expect(parseDenoiseFlag('auto')).toBe('auto');
    expect(parseDenoiseFlag('2')).toBe(2);
  });
  test.each(['4', '-1', 'high', '1.5', ''])('refuses %j with CLI_BAD_FLAG', (v) => {
    expect(() => parseDenoiseFlag(v)).toThrow(expect.objectContaining({ code: 'CLI_BAD_FLAG' }));
  });
});

describe('pickDenoiseModel', () => {
  test('level 0 keeps what was asked for, with no note', () => {
    expect(pickDenoiseModel({ models, base: quality, scale: 2, level: 0, measured: false })).toEqual({ card: quality, servedLevel: 0 });
  });

  test("the asked model's own family member serves its level", () => {
    const p = pickDenoiseModel({ models, base: fast, scale: 2, level: 2, measured: true });
    expect(p.card?.name).toBe('fast-d2');
    expect(p.note).toBeUndefined();
  });

  test('a model without members moves to the live default family, and says so', () => {
    const p = pickDenoiseModel({ models, base: quality, scale: 2, level: 1, measured: false });
    expect(p.card?.name).toBe('fast-d1');
    expect(p.note).toMatch(/quality has no denoise-level-1 member; using fast-d1/);
  });

  test('a level the family lacks takes its nearest member (the lower on a tie)', () => {
    const p = pickDenoiseModel({ models, base: fast, scale: 2, level: 3, measured: false });
    expect(p.card?.name).toBe('fast-d2');
    expect(p.servedLevel).toBe(2);
    expect(p.note).toMatch(/level 2/);
  });

  test("the live default's family goes before another family, which is used when it is the only one", () => {
    expect(pickDenoiseModel({ models: [...models, other], base: quality, scale: 2, level: 3, measured: false }).card?.name).toBe('fast-d2');
    expect(pickDenoiseModel({ models: [quality, other], base: quality, scale: 2, level: 3, measured: false }).card?.name).toBe('zz-d3');
  });

  test('an .onnx without a card (base null) gets the family member too', () => {
    expect(pickDenoiseModel({ models, base: null, scale: 2, level: 2, measured: false }).card?.name).toBe('fast-d2');
  });

  test('no family at the scale: an explicit level is refused, a measured one keeps the model with a note', () => {
    let err: unknown;
    try {
      pickDenoiseModel({ models, base: x4, scale: 4, level: 2, measured: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UprezError);
    expect((err as UprezError).code).toBe('DENOISE_UNAVAILABLE');
    expect((err as UprezError).message).toMatch(/no x4 model.*--scale 2/);
    const p = pickDenoiseModel({ models, base: x4, scale: 4, level: 2, measured: true });
    expect(p.card).toBe(x4);
    expect(p.note).toMatch(/kept big-x4/);
  });
});

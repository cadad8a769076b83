import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import {
  defaultModelsDir,
  isModelName,
  listModels,
  parseModelCard,
  pickDefault,
  pickDenoiseMember,
  pickForDenoise,
  pickLiveFallback,
  resolveModel,
  scanModels,
} from './model-registry.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures');

let dir: string;

/** writeModel puts NAME.onnx (dummy bytes: the registry never parses them) and, unless null, NAME.json. */
function writeModel(name: string, card: Record<string, unknown> | null | string): void {
  writeFileSync(path.join(dir, `${name}.onnx`), 'onnx');
  if (card !== null) writeFileSync(path.join(dir, `${name}.json`), typeof card === 'string' ? card : JSON.stringify(card));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'uprez-models-'));
  writeModel('b-x2', { name: 'b-x2', scale: 2, layout: 'y_uint8', description: 'b', extraField: { nested: true } });
  writeModel('a-x2', { name: 'a-x2', scale: 2, description: 'a' });
  writeModel('c-x2', { name: 'c-x2', scale: 2, default: true, description: 'c', quality: { set5: { psnr: 37.1 } }, macsPerPixel: 1200 });
  writeModel('z-x4', { scale: 4, description: 'z' });
  writeModel('nocard', null);
  writeModel('bad-card', '{ not json');
  writeFileSync(path.join(dir, 'orphan.json'), JSON.stringify({ scale: 2 }));
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'loose.onnx'), 'onnx');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UprezError);
    return (err as UprezError).code;
  }
  throw new Error('expected an UprezError');
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseModelCard', () => {
  test.each([
    [{ scale: 2 }, { scale: 2, layout: 'y_uint8', default: false, description: '' }],
    [
      { name: 'm', scale: 4, layout: 'rgb_float', default: true, description: 'd' },
      { scale: 4, layout: 'rgb_float', default: true, description: 'd' },
    ],
    [
      { scale: 2, macsPerPixel: 10, license: 'MIT', trainedOn: 'DIV2K' },
      { scale: 2, macsPerPixel: 10, license: 'MIT' },
    ],
    [
      { scale: 4, layout: 'rgb_float', tile: { size: 128, overlap: 32 } },
      { layout: 'rgb_float', tile: { size: 128, overlap: 32 } },
    ],
    [
      { scale: 2, denoiseLevel: 2, family: 'uprez-x2-fast' },
      { denoiseLevel: 2, family: 'uprez-x2-fast' },
    ],
    [{ scale: 2, denoiseLevel: 0 }, { denoiseLevel: 0 }],
  ])('accepts %j', (json, expected) => {
    const card = parseModelCard(json, 'm', '/m/m.onnx', '/m/m.json');
    expect(card).toMatchObject({ name: 'm', path: '/m/m.onnx', cardPath: '/m/m.json', ...expected });
    expect(card.fields).toEqual(json);
  });

  test.each([
    [null, 'JSON object'],
    [[1], 'JSON object'],
    [{}, '"scale"'],
    [{ scale: 2.5 }, '"scale"'],
    [{ scale: '2' }, '"scale"'],
    [{ scale: 2, layout: 'rgb' }, '"layout"'],
    [{ scale: 2, default: 'yes' }, '"default"'],
    [{ scale: 2, name: 'other' }, '"name"'],
    [{ scale: 2, macsPerPixel: -1 }, '"macsPerPixel"'],
    [{ scale: 4, tile: { size: 8, overlap: 0 } }, '"tile"'],
    [{ scale: 4, tile: { size: 64, overlap: 32 } }, '"tile"'],
    [{ scale: 4, tile: { size: 64 } }, '"tile"'],
    [{ scale: 4, tile: 256 }, '"tile"'],
    [{ scale: 2, denoiseLevel: 4 }, '"denoiseLevel"'],
    [{ scale: 2, denoiseLevel: '1' }, '"denoiseLevel"'],
    [{ scale: 2, denoiseLevel: 1.5 }, '"denoiseLevel"'],
    [{ scale: 2, family: '../x' }, '"family"'],
    [{ scale: 2, family: 3 }, '"family"'],
  ])('rejects %j naming the field', (json, field) => {
    const err = (() => {
      try {
        parseModelCard(json, 'm', '/m/m.onnx', '/m/m.json');
      } catch (e) {
        return e as UprezError;
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('MODEL_CARD_INVALID');
    expect(err.message).toContain('/m/m.json');
    expect(err.message).toContain(field);
  });
});

describe('isModelName', () => {
  test.each([
    ['uprez-x2', true],
    ['uprez_x2.v1', true],
    ['..', false],
    ['.hidden', false],
    ['a/b', false],
    ['a b', false],
    ['', false],
    ['x'.repeat(129), false],
  ])('%j -> %s', (name, ok) => expect(isModelName(name)).toBe(ok));
});

describe('listModels / scanModels', () => {
  test('lists cards that have an .onnx, sorted, and says what it skipped', () => {
    expect(listModels(dir).map((m) => m.name)).toEqual(['a-x2', 'b-x2', 'c-x2', 'z-x4']);
    const { skipped } = scanModels(dir);
    expect(skipped.join('\n')).toContain('bad-card');
    expect(skipped.join('\n')).toContain('orphan: no orphan.onnx');
  });

  test('a missing folder has no models', () => {
    expect(listModels(path.join(dir, 'nope'))).toEqual([]);
  });

  test('reads the committed test fixtures', () => {
    const x2 = listModels(FIXTURES).find((m) => m.name === 'x2-resize');
    expect(x2).toMatchObject({ scale: 2, layout: 'y_uint8', default: true, path: path.join(FIXTURES, 'x2-resize.onnx') });
  });
});

describe('pickDefault', () => {
  test('the card marked default wins, else the first by name, per scale', () => {
    const models = listModels(dir);
    expect(pickDefault(models, 2)?.name).toBe('c-x2');
    expect(
      pickDefault(
        models.filter((m) => m.name !== 'c-x2'),
        2,
      )?.name,
    ).toBe('a-x2');
    expect(pickDefault(models, 4)?.name).toBe('z-x4');
    expect(pickDefault(models, 3)).toBeUndefined();
  });

  test('live use takes the card marked liveDefault, and falls back to the default without one', () => {
    const models = listModels(dir);
    const live = models.map((m) => (m.name === 'a-x2' ? { ...m, liveDefault: true } : m));
    expect(pickDefault(live, 2, 'live')?.name).toBe('a-x2');
    expect(pickDefault(live, 2, 'quality')?.name).toBe('c-x2');
    expect(pickDefault(live, 2)?.name).toBe('c-x2');
    expect(pickDefault(models, 2, 'live')?.name).toBe('c-x2');
    expect(() => parseModelCard({ scale: 2, liveDefault: 'yes' }, 'm', '/m.onnx', '/m.json')).toThrow(
      /"liveDefault" must be true or false/,
    );
  });
});

describe('pickLiveFallback (the live model ladder)', () => {
  test('the card marked liveFallback, when it is another model of the scale and cheaper', () => {
    const tiny = { ...parseModelCard({ scale: 2, liveFallback: true, macsPerPixel: 500 }, 't-x2', '/t.onnx', '/t.json') };
    const models = [...listModels(dir), tiny];
    const c = models.find((m) => m.name === 'c-x2') ?? null; // 1,200 MACs
    expect(pickLiveFallback(models, 2, { name: 'c-x2', card: c })?.name).toBe('t-x2');
    expect(pickLiveFallback(models, 2, { name: 't-x2', card: tiny })).toBeUndefined(); // itself
    expect(pickLiveFallback(models, 4, { name: 'z-x4', card: null })).toBeUndefined(); // none at x4
    expect(pickLiveFallback(models, 2, { name: 'byo', card: null })?.name).toBe('t-x2'); // cost unknown: still offered
    const costly = { ...tiny, macsPerPixel: 5_000 };
    expect(pickLiveFallback([...listModels(dir), costly], 2, { name: 'c-x2', card: c })).toBeUndefined(); // not cheaper
    expect(pickLiveFallback(listModels(dir), 2, { name: 'c-x2', card: c })).toBeUndefined(); // no card marked
    expect(() => parseModelCard({ scale: 2, liveFallback: 1 }, 'm', '/m.onnx', '/m.json')).toThrow(/"liveFallback" must be true or false/);
  });

  test('the shipped models: uprez-x2-tiny under uprez-x2-fast and uprez-x2, nothing under x4', () => {
    const shipped = listModels(defaultModelsDir());
    const card = (n: string) => shipped.find((m) => m.name === n) ?? null;
    expect(pickLiveFallback(shipped, 2, { name: 'uprez-x2-fast', card: card('uprez-x2-fast') })?.name).toBe('uprez-x2-tiny');
    expect(pickLiveFallback(shipped, 2, { name: 'uprez-x2', card: card('uprez-x2') })?.name).toBe('uprez-x2-tiny');
    expect(pickLiveFallback(shipped, 4, { name: 'uprez-x4', card: card('uprez-x4') })).toBeUndefined();
  });
});

describe('pickDenoiseMember / pickForDenoise (a family per compression level)', () => {
  const card = (name: string, json: Record<string, unknown>) =>
    parseModelCard({ scale: 2, ...json }, name, `/${name}.onnx`, `/${name}.json`);
  const fast = card('f', { liveDefault: true, denoiseLevel: 0, family: 'f' });
  const members = [1, 2, 3].map((l) => card(`f-d${l}`, { denoiseLevel: l, family: 'f' }));
  const other = card('g-d2', { denoiseLevel: 2, family: 'g' }); // another family at the same level
  const quality = card('q', { default: true }); // no family: its own, level 0
  const x4 = card('f4-d2', { denoiseLevel: 2, family: 'f' });
  const models = [other, quality, fast, ...members, { ...x4, scale: 4 }];

  test.each([
    [0, 'f'],
    [1, 'f-d1'],
    [2, 'f-d2'],
    [3, 'f-d3'],
  ] as const)("level %d of the live default's family -> %s", (level, want) => {
    expect(pickDenoiseMember(models, fast, level).name).toBe(want);
    expect(pickForDenoise(models, 2, 'live', level)?.name).toBe(want);
  });

  test('a member finds its siblings; a model without a family, or a level the family lacks, stays itself', () => {
    expect(pickDenoiseMember(models, members[2] ?? fast, 1).name).toBe('f-d1');
    expect(pickDenoiseMember(models, members[0] ?? fast, 0).name).toBe('f');
    expect(pickDenoiseMember(models, quality, 2).name).toBe('q');
    expect(pickForDenoise(models, 2, 'quality', 3)?.name).toBe('q');
    expect(
      pickDenoiseMember(
        models.filter((m) => m.name !== 'f-d3'),
        fast,
        3,
      ).name,
    ).toBe('f');
    expect(pickForDenoise(models, 3, 'live', 1)).toBeUndefined();
  });
});

describe('resolveModel', () => {
  test('picks the default for the scale when no model is named', () => {
    expect(resolveModel({ modelsDir: dir, scale: 2 })).toMatchObject({ name: 'c-x2', scale: 2, path: path.join(dir, 'c-x2.onnx') });
    expect(resolveModel({ modelsDir: dir, scale: 4 }).name).toBe('z-x4');
  });

  test('a NAME resolves to its file and card', () => {
    const m = resolveModel({ modelsDir: dir, model: 'b-x2', scale: 2 });
    expect(m).toMatchObject({ name: 'b-x2', path: path.join(dir, 'b-x2.onnx'), layout: 'y_uint8' });
    expect(m.card?.fields['extraField']).toEqual({ nested: true });
  });

  test.each([
    [{ model: 'missing', scale: 2 }, 'MODEL_NOT_FOUND'],
    [{ model: '.hidden', scale: 2 }, 'MODEL_NAME_INVALID'],
    [{ model: '..', scale: 2 }, 'MODEL_NAME_INVALID'],
    [{ model: 'a b', scale: 2 }, 'MODEL_NAME_INVALID'],
    [{ model: 'b-x2', scale: 4 }, 'MODEL_SCALE_MISMATCH'],
    [{ model: 'nocard', scale: 2 }, 'MODEL_CARD_MISSING'],
    [{ model: 'bad-card', scale: 2 }, 'MODEL_CARD_INVALID'],
    [{ scale: 3 }, 'MODEL_NOT_FOUND'],
    [{ model: '../../etc/passwd.onnx', scale: 2 }, 'MODEL_NOT_FOUND'],
  ])('%j -> %s', (o, code) => {
    expect(codeOf(() => resolveModel({ modelsDir: dir, ...o }))).toBe(code);
  });

  test('errors name --model and list what is available', () => {
    const msg = messageOf(() => resolveModel({ modelsDir: dir, model: 'missing', scale: 2 }));
    expect(msg).toContain('--model missing');
    expect(msg).toContain('a-x2 (x2)');
    expect(msg).toContain('c-x2 (x2, default)');
    expect(msg).toContain('z-x4 (x4)');
    const mismatch = messageOf(() => resolveModel({ modelsDir: dir, model: 'z-x4', scale: 2 }));
    expect(mismatch).toContain('--scale is 2');
    expect(mismatch).toContain('a-x2, b-x2, c-x2');
    expect(messageOf(() => resolveModel({ modelsDir: dir, scale: 3 }))).toContain('--model none');
  });

  test('a path to an .onnx works without a card (layout and scale checked at load) and with one', () => {
    const loose = path.join(dir, 'sub', 'loose.onnx');
    expect(resolveModel({ modelsDir: '/nonexistent', model: loose, scale: 4 })).toMatchObject({
      name: 'loose',
      path: loose,
      scale: 4,
      layout: 'detect',
      card: null,
    });
    expect(resolveModel({ modelsDir: '/nonexistent', model: path.join(dir, 'b-x2.onnx'), scale: 2 }).card?.name).toBe('b-x2');
    expect(codeOf(() => resolveModel({ modelsDir: '/nonexistent', model: path.join(dir, 'b-x2.onnx'), scale: 4 }))).toBe(
      'MODEL_SCALE_MISMATCH',
    );
  });
});

test('defaultModelsDir is the repository models/ folder', () => {
  expect(defaultModelsDir()).toBe(path.resolve(import.meta.dirname, '../../models'));
});

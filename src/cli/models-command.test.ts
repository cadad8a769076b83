import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defaultModelsDir, listModels } from '../upscale/model-registry.js';
import { captureIo } from '../../test/helpers/capture-io.js';
import { main } from './dispatch.js';
import { compressedOf, runModelsCommand, set5Of } from './models-command.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-models-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** card writes NAME.json (and NAME.onnx unless `onnx` is false) into the temp folder. */
async function card(name: string, fields: Record<string, unknown>, onnx = true): Promise<void> {
  await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ name, ...fields }));
  if (onnx) await writeFile(path.join(dir, `${name}.onnx`), 'not read by the listing');
}

const set5 = (psnrY: number, bicubicPsnrY: number) => ({ set5: { psnrY, ssimY: 0.95, bicubicPsnrY, bicubicSsimY: 0.929 } });

describe('set5Of', () => {
  test.each([
    [undefined, null],
    [{ set5: { psnrY: 36 } }, null],
    [{ set5: 'x' }, null],
    [set5(36.5, 33.6), { psnrY: 36.5, ssimY: 0.95, bicubicPsnrY: 33.6, bicubicSsimY: 0.929 }],
  ])('%j -> %j', (q, r) => expect(set5Of(q)).toEqual(r));
});

/** A card's quality.compressed: Set5 and video gains for CRF 23 and 28 (the rest of the table left out). */
const compressed = (s23: number, s28: number, v23: number, v28: number) => ({
  compressed: {
    set5: { crf23: { psnrY: 30, bicubicPsnrY: 30 - s23, gainDb: s23 }, crf28: { gainDb: s28 } },
    video: { crf23: { gainDb: v23 }, crf28: { gainDb: v28 } },
    flicker: { crf23: { ratio: 0.9 } },
  },
});

describe('compressedOf', () => {
  test.each([
    [undefined, null],
    [{ compressed: 'x' }, null],
    [{ compressed: { set5: { crf23: { psnrY: 30 } } } }, null],
    [{ compressed: { set5: { crf23: { gainDb: 0.5 }, crf28: 'x' } } }, { set5: { crf23: 0.5 }, video: {} }],
    [compressed(0.61, 0.36, 0.7, 0.4), { set5: { crf23: 0.61, crf28: 0.36 }, video: { crf23: 0.7, crf28: 0.4 } }],
  ])('%j -> %j', (q, r) => expect(compressedOf(q)).toEqual(r));
});

describe('uprez models', () => {
  test('a table of the cards: scale, MACs/px, Set5 beside bicubic with the gain, default flag; skipped cards on stderr', async () => {
    await card('b-x4', { scale: 4, description: 'big x4', macsPerPixel: 120000, quality: set5(31.2, 28.42), license: 'MIT' });
    await card('a-x2', {
      scale: 2,
      description: 'fast x2',
      default: true,
      macsPerPixel: 5684,
      quality: { ...set5(36.501, 33.637), ...compressed(0.612, -0.05, 1, 0.4) },
    });
    await card('no-quality', { scale: 2, description: 'untested', liveDefault: true, denoiseLevel: 1 });
    await card('small', { scale: 2, description: 'ladder', liveFallback: true });
    await card('orphan', { scale: 2 }, false);
    const io = captureIo();
    expect(await runModelsCommand(['--dir', dir], io)).toBe(0);
    const lines = io.out().split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s+SCALE\s+MACs\/px\s+Set5 PSNR-Y \(bicubic\)\s+gain\s+CRF 23 gain \(Set5\/video\)\s+CRF 28 gain \(Set5\/video\)\s+Set5 SSIM-Y \(bicubic\)\s+DEFAULT$/,
    );
    expect(lines[1]).toMatch(
      /^a-x2\s+x2\s+5,684\s+36\.50 dB \(33\.64\)\s+\+2\.86 dB\s+\+0\.61 \/ \+1\.00 dB\s+-0\.05 \/ \+0\.40 dB\s+0\.9500 \(0\.9290\)\s+files$/,
    );
    expect(lines[2]).toMatch(/^b-x4\s+x4\s+120,000\s+31\.20 dB \(28\.42\)\s+\+2\.78 dB\s+-\s+-\s+0\.9500 \(0\.9290\)$/);
    expect(lines[3]).toMatch(/^no-quality\s+x2\s+-\s+-\s+-\s+-\s+-\s+-\s+live, denoise 1$/);
    expect(lines[4]).toMatch(/^small\s+x2\s+-\s+-\s+-\s+-\s+-\s+-\s+live fallback$/);
    expect(io.out()).toContain('  a-x2: fast x2\n');
    expect(io.out()).toContain('  b-x4: big x4 (MIT)\n');
    expect(io.err()).toBe('uprez models: skipped orphan: no orphan.onnx beside the card\n');
  });

  test('--json: one array with the summary and the whole card of each model', async () => {
    await card('a-x2', {
      scale: 2,
      description: 'fast x2',
      default: true,
      macsPerPixel: 5684,
      quality: set5(36.501, 33.637),
      extra: [1, 2],
    });
    const io = captureIo();
    expect(await runModelsCommand(['--json', '--dir', dir], io)).toBe(0);
    const body = JSON.parse(io.out()) as Record<string, unknown>[];
    expect(body).toEqual([
      {
        name: 'a-x2',
        scale: 2,
        default: true,
        liveDefault: false,
        liveFallback: false,
        macsPerPixel: 5684,
        set5: { psnrY: 36.501, ssimY: 0.95, bicubicPsnrY: 33.637, bicubicSsimY: 0.929, gainDb: 2.864 },
        compressed: null,
        denoiseLevel: null,
        description: 'fast x2',
        license: null,
        path: path.join(dir, 'a-x2.onnx'),
        card: expect.objectContaining({ name: 'a-x2', extra: [1, 2] }),
      },
    ]);
  });

  test('an empty folder says so', async () => {
    const io = captureIo();
    expect(await runModelsCommand(['--dir', dir], io)).toBe(0);
    expect(io.out()).toMatch(/^no models in /);
  });

  test('through the dispatcher, the shipped models/ folder: every shipped card is listed, the default marked', async () => {
    const shipped = listModels(defaultModelsDir());
    expect(shipped.length).toBeGreaterThan(0);
    const io = captureIo();
    expect(await main(['models', '--json'], io)).toBe(0);
    const body = JSON.parse(io.out()) as { name: string; default: boolean; scale: number }[];
    expect(body.map((m) => m.name)).toEqual(shipped.map((m) => m.name));
    expect(body.filter((m) => m.default && m.scale === 2)).toHaveLength(1);
    const table = captureIo();
    expect(await main(['models'], table)).toBe(0);
    for (const m of shipped) expect(table.out()).toContain(m.name);
  });

  test('an unknown flag is named', async () => {
    await expect(runModelsCommand(['--bogus'], captureIo())).rejects.toThrow(/unknown flag --bogus/);
  });
});

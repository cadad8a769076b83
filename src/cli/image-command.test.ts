import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { decodeImage } from '../image/decode-image.js';
import { encodePng } from '../image/encode-png.js';
import { createRgbImage } from '../image/rgb-image.js';
import type { CliIo } from './cli-io.js';
import { parseProviderFlag, parseScaleFlag, runImageCommand } from './image-command.js';

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

const picture = (w: number, h: number) =>
  createRgbImage(w, h, Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + Math.floor(i / (w * 3)) * 11) % 256));

function jpegOf(w: number, h: number): Uint8Array {
  const rgb = picture(w, h).data;
  const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (rgb[Math.floor(i / 4) * 3 + (i % 4)] as number)));
  return jpeg.encode({ width: w, height: h, data: rgba }, 90).data;
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-image-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flag parsers', () => {
  test.each([
    [undefined, 2, 2],
    [undefined, undefined, undefined],
    ['4', 2, 4],
    ['2', undefined, 2],
  ])('--scale %s (default %s) -> %s', (v, def, r) => expect(parseScaleFlag(v, def as 2 | undefined)).toBe(r));
  test.each(['3', 'x2', '', '8'])('--scale %j is refused', (v) => expect(() => parseScaleFlag(v, 2)).toThrow(/--scale must be 2 or 4/));
  test.each([[undefined, 'auto'], ['cpu', 'cpu'], ['cuda', 'cuda']])('--provider %s -> %s', (v, r) => expect(parseProviderFlag(v)).toBe(r));
  test('--provider gpu is refused', () => expect(() => parseProviderFlag('gpu')).toThrow(/auto, cpu or cuda/));
});

describe('uprez image with an ONNX model (test/fixtures/x2-resize.onnx: cubic Resize inside the graph)', () => {
  test('runs Y through the model runner and writes x2 PNGs', async () => {
    const model = fileURLToPath(new URL('../../test/fixtures/x2-resize.onnx', import.meta.url));
    await writeFile(path.join(dir, 'p.png'), encodePng(picture(12, 10)));
    await writeFile(path.join(dir, 'j.jpeg'), jpegOf(9, 5));
    await writeFile(path.join(dir, 'bad.jpg'), Buffer.from('JFIF? no'));
    const io = captureIo();
    const inputs = ['p.png', 'j.jpeg', 'bad.jpg'].map((n) => path.join(dir, n));
    expect(await runImageCommand([...inputs, '--out', path.join(dir, 'o'), '--model', model, '--provider', 'cpu'], io)).toBe(1);
    const p = decodeImage(await readFile(path.join(dir, 'o', 'p.png')));
    const j = decodeImage(await readFile(path.join(dir, 'o', 'j.png')));
    expect([p.width, p.height, j.width, j.height]).toEqual([24, 20, 18, 10]);
    expect(io.out()).toMatch(/p\.png  12x10 -> 24x20 \(x2-resize \d+ ms\)/);
    expect(io.err()).toBe(`uprez image: ${inputs[2]}: not a PNG or JPEG file\n`);
    expect(io.out()).toContain('upscaled 2 of 3 images x2 with x2-resize (cpu)');
    expect(io.out()).toContain(`1 failed: ${inputs[2]}`);
  });
});

describe('uprez image (bicubic, no model file needed)', () => {
  test('upscales a PNG and a JPEG, reports a corrupt and a missing file, exits 1 with a summary', async () => {
    await writeFile(path.join(dir, 'small.png'), encodePng(picture(10, 7)));
    await writeFile(path.join(dir, 'photo.jpg'), jpegOf(16, 9));
    await writeFile(path.join(dir, 'broken.png'), Buffer.concat([encodePng(picture(4, 4)).subarray(0, 30), Buffer.alloc(20)]));
    const out = path.join(dir, 'out', 'nested');
    const io = captureIo();
    const inputs = ['small.png', 'photo.jpg', 'broken.png', 'missing.png'].map((n) => path.join(dir, n));
    const code = await runImageCommand([...inputs, dir, '/dev/zero', '--out', out, '--model', 'bicubic'], io);
    expect(code).toBe(1);
    expect((await readdir(out)).sort()).toEqual(['photo.png', 'small.png']);
    const small = decodeImage(await readFile(path.join(out, 'small.png')));
    const photo = decodeImage(await readFile(path.join(out, 'photo.png')));
    expect([small.width, small.height, photo.width, photo.height]).toEqual([20, 14, 32, 18]);
    expect(io.err()).toContain(`uprez image: ${inputs[2]}: cannot decode PNG`);
    expect(io.err()).toContain(`uprez image: ${inputs[3]}: no such file`);
    expect(io.err()).toContain(`uprez image: ${dir}: is a directory`);
    expect(io.out()).toContain(`${inputs[0]} -> ${path.join(out, 'small.png')}  10x7 -> 20x14`);
    expect(io.err()).toContain('uprez image: /dev/zero: is not a regular file');
    expect(io.out()).toMatch(new RegExp(`upscaled 2 of 6 images x2 with bicubic \\(js\\) into ${out} in [0-9.]+ s; 4 failed: .*broken\\.png, .*missing\\.png, .*, /dev/zero\\n$`));
  });

  test('x4, exit 0 when all succeed', async () => {
    await writeFile(path.join(dir, 'a.png'), encodePng(picture(5, 3)));
    const io = captureIo();
    expect(await runImageCommand([path.join(dir, 'a.png'), '--out', dir + '/o', '--scale', '4', '--model', 'none'], io)).toBe(0);
    const img = decodeImage(await readFile(path.join(dir, 'o', 'a.png')));
    expect([img.width, img.height]).toEqual([20, 12]);
    expect(io.err()).toBe('');
    expect(io.out()).toContain('upscaled 1 of 1 image x4');
  });

  test('refuses a repeated base name, a name without a stem, and overwriting its own input', async () => {
    await mkdir(path.join(dir, 'a'));
    await mkdir(path.join(dir, 'b'));
    await writeFile(path.join(dir, 'a', 'x.png'), encodePng(picture(4, 4)));
    await writeFile(path.join(dir, 'b', 'x.jpg'), jpegOf(8, 8));
    const io = captureIo();
    const inputs = [path.join(dir, 'a', 'x.png'), path.join(dir, 'b', 'x.jpg'), `${dir}/a/..`, path.join(dir, 'a', 'x.png')];
    expect(await runImageCommand([...inputs, '--out', path.join(dir, 'a'), '--model', 'bicubic'], io)).toBe(1);
    const err = io.err().split('\n');
    expect(err[0]).toBe(`uprez image: ${inputs[0]}: would overwrite its own input ${inputs[0]}`);
    expect(err[1]).toBe(`uprez image: ${inputs[2]}: refusing output name derived from ${JSON.stringify(inputs[2])}`);
    expect(err[2]).toBe(`uprez image: ${inputs[3]}: x.png was already written for ${inputs[1]} in this run`);
    expect(io.out()).toContain('upscaled 1 of 4 images');
    expect(decodeImage(await readFile(path.join(dir, 'a', 'x.png'))).width).toBe(16);
  });

  test('replaces a symlink in the output directory instead of writing through it', async () => {
    await writeFile(path.join(dir, 'pic.png'), encodePng(picture(4, 4)));
    const outside = path.join(dir, 'outside.txt');
    await writeFile(outside, 'keep me');
    const out = path.join(dir, 'o');
    await mkdir(out);
    await symlink(outside, path.join(out, 'pic.png'));
    expect(await runImageCommand([path.join(dir, 'pic.png'), '--out', out, '--model', 'bicubic'], captureIo())).toBe(0);
    expect(await readFile(outside, 'utf8')).toBe('keep me');
    expect(decodeImage(await readFile(path.join(out, 'pic.png'))).width).toBe(8);
    expect((await readdir(out)).sort()).toEqual(['pic.png']);
  });

  test('--model bicubic matches the stage bicubic on a flat picture and reports the model it used', async () => {
    await writeFile(path.join(dir, 'flat.png'), encodePng(createRgbImage(6, 6, new Uint8Array(108).fill(77))));
    const io = captureIo();
    expect(await runImageCommand([path.join(dir, 'flat.png'), '--out', dir + '/o', '--model', 'bicubic'], io)).toBe(0);
    expect(new Set(decodeImage(await readFile(path.join(dir, 'o', 'flat.png'))).data)).toEqual(new Set([77]));
  });

  test.each([
    [['a.png'], /--out DIR is required/],
    [['--out', 'o'], /at least one input image/],
    [['a.png', '--out', 'o', '--scale', '3'], /--scale must be 2 or 4/],
    [['a.png', '--out', 'o', '--provider', 'tpu'], /--provider must be/],
    [['a.png', '--out', 'o', '--bogus'], /unknown flag --bogus/],
  ])('usage error %j', async (argv, msg) => {
    await expect(runImageCommand(argv, captureIo())).rejects.toThrow(msg);
  });

  test('--help prints the usage line', async () => {
    const io = captureIo();
    expect(await runImageCommand(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^Usage: uprez image IN\.\.\. --out DIR/);
  });
});

describe('uprez image progress and --json', () => {
  test('--json: one object per image and a summary on stdout, progress JSON lines on stderr', async () => {
    await writeFile(path.join(dir, 'a.png'), encodePng(picture(6, 4)));
    await writeFile(path.join(dir, 'bad.png'), Buffer.from('nope'));
    const io = captureIo();
    const inputs = [path.join(dir, 'a.png'), path.join(dir, 'bad.png')];
    expect(await runImageCommand([...inputs, '--out', path.join(dir, 'o'), '--model', 'bicubic', '--json'], io)).toBe(1);
    const out = io.out().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ input: inputs[0], output: path.join(dir, 'o', 'a.png'), width: 6, height: 4, outWidth: 12, outHeight: 8, model: 'bicubic' });
    expect(out[1]).toEqual({ input: inputs[1], error: 'not a PNG or JPEG file' });
    expect(out[2]).toMatchObject({ summary: true, ok: 1, failed: [inputs[1]], total: 2, scale: 2, model: 'bicubic', outDir: path.join(dir, 'o') });
    const progress = io.err().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(progress[0]).toMatchObject({ label: 'image', done: 1, total: 2, unit: 'images', ok: 1, failed: 0 });
    expect(progress.at(-1)).toMatchObject({ label: 'image', done: 2, total: 2, ok: 1, failed: 1, finished: true, etaS: 0 });
  });

  test('on a terminal: a progress bar on stderr, result lines on stdout erase the bar line first', async () => {
    await writeFile(path.join(dir, 'a.png'), encodePng(picture(4, 4)));
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (out += s), isTTY: true },
      stderr: { write: (s: string) => (err += s), isTTY: true },
      env: {},
    };
    expect(await runImageCommand([path.join(dir, 'a.png'), '--out', path.join(dir, 'o'), '--model', 'bicubic'], io)).toBe(0);
    expect(out.startsWith(`\x1b[2K${path.join(dir, 'a.png')} -> `)).toBe(true);
    expect(err).toMatch(/^\r\x1b\[2Kimage {2}\[#{24}\] {2}1\/1 images {2}100%[^\n]*\n$/);
  });
});

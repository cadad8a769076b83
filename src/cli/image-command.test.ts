import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { detectImageFormat } from '../image/magic-bytes.js';
import { createRgbImage, type RgbImage } from '../image/rgb-image.js';
import { decodeRgb8, encodeRgb8 } from '../image/rgb8-io.js';
import type { CliIo } from './cli-io.js';
import { captureIo } from '../../test/helpers/capture-io.js';
import { parseFormatFlag, parseProfileFlag, runImageCommand } from './image-command.js';
import { parseIntFlag, parseProviderFlag, parseScaleFlag } from './shared-flags.js';

const picture = (w: number, h: number) =>
  createRgbImage(
    w,
    h,
    Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + Math.floor(i / (w * 3)) * 11) % 256),
  );

const jpegOf = (w: number, h: number): Promise<Buffer> => encodeRgb8(picture(w, h), 'jpeg', 90);
const encodePng = (img: RgbImage): Promise<Buffer> => encodeRgb8(img, 'png');

/** sizeOf decodes an output file (any format) and returns its size and format. */
async function sizeOf(file: string): Promise<[number, number, string | undefined]> {
  const bytes = await readFile(file);
  const image = await decodeRgb8(bytes);
  return [image.width, image.height, detectImageFormat(bytes)];
}

/** listTree lists every file under a folder, relative, sorted. */
async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
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
  test.each([
    [undefined, 'auto'],
    ['cpu', 'cpu'],
    ['cuda', 'cuda'],
  ])('--provider %s -> %s', (v, r) => expect(parseProviderFlag(v)).toBe(r));
  test('--provider gpu is refused', () => expect(() => parseProviderFlag('gpu')).toThrow(/auto, cpu or cuda/));
  test.each([
    [undefined, undefined],
    ['png', 'png'],
    ['jpeg', 'jpeg'],
    ['jpg', 'jpeg'],
    ['webp', 'webp'],
    ['avif', 'avif'],
    ['tiff', 'tiff'],
    ['tif', 'tiff'],
  ])('--format %s -> %s', (v, r) => expect(parseFormatFlag(v)).toBe(r));
  test.each(['gif', 'PNG', '', 'heif'])('--format %j is refused', (v) =>
    expect(() => parseFormatFlag(v)).toThrow(/--format must be png, jpeg, webp, avif or tiff/),
  );
  test.each([
    [undefined, 'keep'],
    ['keep', 'keep'],
    ['srgb', 'srgb'],
  ])('--profile %s -> %s', (v, r) => expect(parseProfileFlag(v)).toBe(r));
  test('--profile p3 is refused', () => expect(() => parseProfileFlag('p3')).toThrow(/--profile must be keep or srgb/));
  test.each([
    [undefined, 90],
    ['1', 1],
    ['100', 100],
  ])('--quality %s -> %s', (v, r) => expect(parseIntFlag('quality', v, 1, 100, 90)).toBe(r));
  test.each(['0', '101', '9.5', '-3', 'x'])('--quality %j is refused', (v) =>
    expect(() => parseIntFlag('quality', v, 1, 100, 90)).toThrow(/--quality must be a whole number from 1 to 100/),
  );
});

describe('uprez image with an ONNX model (test/fixtures/x2-resize.onnx: cubic Resize inside the graph)', () => {
  test('runs Y through the model runner; --format png writes PNGs whatever the input', async () => {
    const model = fileURLToPath(new URL('../../test/fixtures/x2-resize.onnx', import.meta.url));
    await writeFile(path.join(dir, 'p.png'), await encodePng(picture(12, 10)));
    await writeFile(path.join(dir, 'j.jpeg'), await jpegOf(9, 5));
    await writeFile(path.join(dir, 'bad.jpg'), Buffer.from('JFIF? no'));
    const io = captureIo();
    const inputs = ['p.png', 'j.jpeg', 'bad.jpg'].map((n) => path.join(dir, n));
    const argv = [...inputs, '--out', path.join(dir, 'o'), '--model', model, '--provider', 'cpu', '--format', 'png', '--jobs', '1'];
    expect(await runImageCommand(argv, io)).toBe(0);
    expect(await sizeOf(path.join(dir, 'o', 'p.png'))).toEqual([24, 20, 'png']);
    expect(await sizeOf(path.join(dir, 'o', 'j.png'))).toEqual([18, 10, 'png']);
    expect(io.out()).toMatch(/p\.png {2}12x10 -> 24x20 \(\d+ ms model\)/);
    expect(io.err()).toBe(`uprez image: ${inputs[2]}: not an image uprez reads (PNG, JPEG, WEBP, AVIF, TIFF, GIF, HEIF)\n`);
    expect(io.out()).toMatch(/upscaled 2, skipped 0 up to date, failed 1 — x2 with x2-resize \(cpu\) into .* in [0-9.]+ s\n$/);
  });
});

describe('uprez image on a folder (bicubic, no model file needed)', () => {
  /** A folder with a PNG, a JPEG, a WebP in a nested sub-folder, one corrupt PNG and a text file. */
  async function folder(): Promise<string> {
    const src = path.join(dir, 'photos');
    await mkdir(path.join(src, 'trip', 'day 1'), { recursive: true });
    await writeFile(path.join(src, 'a.png'), await encodePng(picture(10, 7)));
    await writeFile(path.join(src, 'b.jpg'), await jpegOf(16, 9));
    await writeFile(path.join(src, 'trip', 'day 1', 'c.webp'), await encodeRgb8(picture(11, 6), 'webp'));
    await writeFile(
      path.join(src, 'trip', 'broken.png'),
      Buffer.concat([(await encodePng(picture(4, 4))).subarray(0, 30), Buffer.alloc(20)]),
    );
    await writeFile(path.join(src, 'notes.txt'), 'not an image');
    return src;
  }

  test.each([['1'], ['2']])(
    '--jobs %s: every good file at x2 in its own format and sub-folder, one error line, exit 0; --fail-on-error exits 1',
    async (jobs) => {
      const src = await folder();
      const out = path.join(dir, 'out');
      const io = captureIo();
      expect(await runImageCommand([src, '--out', out, '--model', 'bicubic', '--jobs', jobs], io)).toBe(0);
      expect(await listTree(out)).toEqual(['a.png', 'b.jpg', path.join('trip', 'day 1', 'c.webp')]);
      expect(await sizeOf(path.join(out, 'a.png'))).toEqual([20, 14, 'png']);
      expect(await sizeOf(path.join(out, 'b.jpg'))).toEqual([32, 18, 'jpeg']);
      expect(await sizeOf(path.join(out, 'trip', 'day 1', 'c.webp'))).toEqual([22, 12, 'webp']);
      const broken = path.join(src, 'trip', 'broken.png');
      expect(io.err()).toMatch(new RegExp(`^uprez image: ${broken}: cannot decode PNG: [^\\n]+\\n$`));
      expect(io.out()).toMatch(new RegExp(`${path.join(src, 'a.png')} -> ${path.join(out, 'a.png')}  10x7 -> 20x14 \\(\\d+ ms model\\)\n`));
      expect(io.out()).toMatch(/upscaled 3, skipped 0 up to date, failed 1, ignored 1 non-image — x2 with bicubic \(js\)/);

      // A rerun skips what is done (the corrupt file fails again); --fail-on-error makes that exit 1.
      const again = captureIo();
      expect(await runImageCommand([src, '--out', out, '--model', 'bicubic', '--jobs', jobs, '--fail-on-error'], again)).toBe(1);
      expect(again.out()).toContain(`${path.join(src, 'b.jpg')} -> ${path.join(out, 'b.jpg')}  skipped (up to date)`);
      expect(again.out()).toMatch(/upscaled 0, skipped 3 up to date, failed 1, ignored 1 non-image/);
      expect(again.err().trimEnd().split('\n')).toHaveLength(1);
    },
    60_000,
  );

  test('a rerun redoes an input that changed and an output that is truncated, skips the rest; --force redoes all', async () => {
    const src = await folder();
    await rm(path.join(src, 'trip', 'broken.png'));
    const out = path.join(dir, 'out');
    const argv = [src, '--out', out, '--model', 'bicubic', '--jobs', '1'];
    expect(await runImageCommand(argv, captureIo())).toBe(0);
    // a.png edited after its output was written; b.jpg's output cut short (not a whole JPEG).
    const later = new Date(Date.now() + 5000);
    await utimes(path.join(src, 'a.png'), later, later);
    const bOut = path.join(out, 'b.jpg');
    await writeFile(bOut, (await readFile(bOut)).subarray(0, 50));
    const io = captureIo();
    expect(await runImageCommand(argv, io)).toBe(0);
    expect(io.out()).toMatch(/upscaled 2, skipped 1 up to date, failed 0/);
    expect(io.out()).toContain('c.webp  skipped (up to date)');
    expect(await sizeOf(bOut)).toEqual([32, 18, 'jpeg']);
    const forced = captureIo();
    expect(await runImageCommand([...argv, '--force'], forced)).toBe(0);
    expect(forced.out()).toMatch(/upscaled 3, skipped 0 up to date, failed 0/);
  }, 60_000);

  test('an output folder inside the input folder is not walked, and leaves no temp files', async () => {
    const src = await folder();
    const out = path.join(src, 'up');
    expect(await runImageCommand([src, '--out', out, '--model', 'bicubic', '--jobs', '1', '--format', 'webp'], captureIo())).toBe(0);
    const io = captureIo();
    expect(await runImageCommand([src, '--out', out, '--model', 'bicubic', '--jobs', '1', '--format', 'webp'], io)).toBe(0);
    expect(io.out()).toMatch(/upscaled 0, skipped 3 up to date/);
    expect(io.err()).toContain(`uprez image: note: ${out}: is the output folder, ignored`);
    expect(await listTree(out)).toEqual(['a.webp', 'b.webp', path.join('trip', 'day 1', 'c.webp')]);
  }, 60_000);

  test('two inputs that map to one output: the second is refused with a clear line', async () => {
    await writeFile(path.join(dir, 'x.png'), await encodePng(picture(4, 4)));
    await writeFile(path.join(dir, 'x.jpg'), await jpegOf(8, 8));
    const io = captureIo();
    const out = path.join(dir, 'o');
    expect(
      await runImageCommand(
        [path.join(dir, 'x.jpg'), path.join(dir, 'x.png'), '--out', out, '--model', 'bicubic', '--format', 'png', '--jobs', '1'],
        io,
      ),
    ).toBe(0);
    expect(io.err()).toBe(`uprez image: ${path.join(dir, 'x.png')}: x.png: its output was already written for another input in this run\n`);
    expect(await sizeOf(path.join(out, 'x.png'))).toEqual([16, 16, 'png']);
  });

  test('files given by name: a missing file, a device and a name with a control character are reported; its own input is never overwritten', async () => {
    await writeFile(path.join(dir, 'x.png'), await encodePng(picture(4, 4)));
    await writeFile(path.join(dir, 'tab\there.png'), await encodePng(picture(4, 4)));
    const io = captureIo();
    const inputs = [path.join(dir, 'x.png'), path.join(dir, 'missing.png'), '/dev/zero', path.join(dir, 'tab\there.png')];
    expect(await runImageCommand([...inputs, '--out', dir, '--model', 'bicubic', '--jobs', '1'], io)).toBe(0);
    expect(io.err().split('\n')).toEqual([
      `uprez image: ${inputs[0]}: would overwrite its own input ${inputs[0]}`,
      `uprez image: ${inputs[1]}: no such file`,
      `uprez image: /dev/zero: is not a regular file`,
      `uprez image: ${inputs[3]}: refusing output name derived from ${JSON.stringify('tab\there.png')}`,
      '',
    ]);
    expect((await decodeRgb8(await readFile(path.join(dir, 'x.png')))).width).toBe(4);
  });

  test('replaces a symlink in the output folder instead of writing through it, and refuses a symlinked sub-folder', async () => {
    await mkdir(path.join(dir, 'in', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'in', 'pic.png'), await encodePng(picture(4, 4)));
    await writeFile(path.join(dir, 'in', 'sub', 'deep.png'), await encodePng(picture(4, 4)));
    const outside = path.join(dir, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'keep.txt'), 'keep me');
    const out = path.join(dir, 'o');
    await mkdir(out);
    await symlink(path.join(outside, 'keep.txt'), path.join(out, 'pic.png'));
    await symlink(outside, path.join(out, 'sub'));
    const io = captureIo();
    expect(await runImageCommand([path.join(dir, 'in'), '--out', out, '--model', 'bicubic', '--jobs', '1'], io)).toBe(0);
    expect(await readFile(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep me');
    expect(await readdir(outside)).toEqual(['keep.txt']);
    expect((await stat(path.join(out, 'pic.png'))).isFile()).toBe(true);
    expect((await decodeRgb8(await readFile(path.join(out, 'pic.png')))).width).toBe(8);
    expect(io.err()).toContain(
      `uprez image: ${path.join(dir, 'in', 'sub', 'deep.png')}: refusing to write through ${path.join(out, 'sub')}: it is a symlink`,
    );
  });

  test('a rotated 16-bit TIFF to JPEG: the result line says what was changed; --json lists the notes', async () => {
    const px = new Uint16Array(6 * 4 * 3).fill(40000);
    await sharp(px, { raw: { width: 6, height: 4, channels: 3 } })
      .toColourspace('rgb16')
      .withMetadata({ orientation: 8 })
      .tiff({ compression: 'deflate' })
      .toFile(path.join(dir, 'scan.tif'));
    const io = captureIo();
    expect(
      await runImageCommand(
        [path.join(dir, 'scan.tif'), '--out', path.join(dir, 'o'), '--model', 'bicubic', '--format', 'jpg', '--jobs', '1'],
        io,
      ),
    ).toBe(0);
    expect(io.out()).toContain('scan.tif -> ' + path.join(dir, 'o', 'scan.jpg') + '  4x6 -> 8x12');
    expect(io.out()).toMatch(/; turned upright \(EXIF orientation 8\); 16-bit reduced to 8 bits for JPEG\n/);
    const json = captureIo();
    expect(
      await runImageCommand(
        [path.join(dir, 'scan.tif'), '--out', path.join(dir, 'o'), '--model', 'bicubic', '--format', 'tif', '--jobs', '1', '--json'],
        json,
      ),
    ).toBe(0);
    expect(JSON.parse(json.out().split('\n')[0] as string)).toMatchObject({
      output: path.join(dir, 'o', 'scan.tif'),
      outWidth: 8,
      outHeight: 12,
      notes: ['turned upright (EXIF orientation 8)'],
    });
  });

  test('x4 and --model none', async () => {
    await writeFile(path.join(dir, 'a.png'), await encodePng(picture(5, 3)));
    const io = captureIo();
    expect(
      await runImageCommand([path.join(dir, 'a.png'), '--out', dir + '/o', '--scale', '4', '--model', 'none', '--jobs', '1'], io),
    ).toBe(0);
    expect(await sizeOf(path.join(dir, 'o', 'a.png'))).toEqual([20, 12, 'png']);
    expect(io.err()).toBe('');
  });

  test('--model bicubic matches the stage bicubic on a flat picture', async () => {
    await writeFile(path.join(dir, 'flat.png'), await encodePng(createRgbImage(6, 6, new Uint8Array(108).fill(77))));
    expect(await runImageCommand([path.join(dir, 'flat.png'), '--out', dir + '/o', '--model', 'bicubic', '--jobs', '1'], captureIo())).toBe(
      0,
    );
    expect(new Set((await decodeRgb8(await readFile(path.join(dir, 'o', 'flat.png')))).data)).toEqual(new Set([77]));
  });

  test.each([
    [['a.png'], /--out DIR is required/],
    [['--out', 'o'], /at least one input image or folder/],
    [['a.png', '--out', 'o', '--scale', '3'], /--scale must be 2 or 4/],
    [['a.png', '--out', 'o', '--provider', 'tpu'], /--provider must be/],
    [['a.png', '--out', 'o', '--format', 'gif'], /--format must be/],
    [['a.png', '--out', 'o', '--jobs', '0'], /--jobs must be a whole number from 1 to 64/],
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
  test('--json: one object per input and a summary on stdout, progress JSON lines on stderr', async () => {
    await writeFile(path.join(dir, 'a.png'), await encodePng(picture(6, 4)));
    await writeFile(path.join(dir, 'bad.png'), Buffer.from('nope'));
    const io = captureIo();
    const inputs = [path.join(dir, 'a.png'), path.join(dir, 'bad.png')];
    expect(await runImageCommand([...inputs, '--out', path.join(dir, 'o'), '--model', 'bicubic', '--json', '--jobs', '1'], io)).toBe(0);
    const out = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({
      input: inputs[0],
      output: path.join(dir, 'o', 'a.png'),
      width: 6,
      height: 4,
      outWidth: 12,
      outHeight: 8,
      model: 'bicubic',
      inferMs: expect.any(Number),
      notes: [],
    });
    expect(out[1]).toEqual({ input: inputs[1], error: 'not an image uprez reads (PNG, JPEG, WEBP, AVIF, TIFF, GIF, HEIF)' });
    expect(out[2]).toMatchObject({
      summary: true,
      ok: 1,
      skipped: 0,
      failed: 1,
      ignored: 0,
      total: 2,
      scale: 2,
      model: 'bicubic',
      outDir: path.join(dir, 'o'),
    });
    const progress = io
      .err()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(progress[0]).toMatchObject({ label: 'image', done: 1, total: 2, unit: 'images', ok: 1, failed: 0 });
    expect(progress.at(-1)).toMatchObject({ label: 'image', done: 2, total: 2, ok: 1, failed: 1, finished: true, etaS: 0 });
  });

  test('on a terminal: a progress bar on stderr, result lines on stdout erase the bar line first', async () => {
    await writeFile(path.join(dir, 'a.png'), await encodePng(picture(4, 4)));
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (out += s), isTTY: true },
      stderr: { write: (s: string) => (err += s), isTTY: true },
      env: {},
    };
    expect(await runImageCommand([path.join(dir, 'a.png'), '--out', path.join(dir, 'o'), '--model', 'bicubic', '--jobs', '1'], io)).toBe(0);
    expect(out.startsWith(`\x1b[2K${path.join(dir, 'a.png')} -> `)).toBe(true);
    expect(err).toMatch(/^\r\x1b\[2Kimage {2}\[#{24}\] {2}1\/1 images {2}100%[^\n]*\n$/);
  });
});

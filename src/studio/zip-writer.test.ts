import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { writeZip } from './zip-writer.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-zip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** python's zipfile checks the archive independently: names, sizes, methods and every CRC. */
function pythonList(zip: string): Array<[string, number, number, string]> {
  const script =
    'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps([[i.filename,i.file_size,i.compress_type,z.read(i).hex()[:16]] for i in z.infolist()]))';
  return JSON.parse(execFileSync('python3', ['-c', script, zip], { encoding: 'utf8' })) as Array<[string, number, number, string]>;
}

describe('writeZip', () => {
  test('stored and deflated entries, UTF-8 names, empty files: python reads them back whole', async () => {
    const big = Buffer.alloc(300_000, 'uprez ');
    const noise = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24));
    await writeFile(path.join(dir, 'a'), big);
    await writeFile(path.join(dir, 'b'), noise);
    await writeFile(path.join(dir, 'c'), '');
    const zip = path.join(dir, 'out.zip');
    const out = createWriteStream(zip, { highWaterMark: 1024 });
    await writeZip(
      [
        { name: 'scan.tif', path: path.join(dir, 'a'), deflate: true },
        { name: 'photo été.jpg', path: path.join(dir, 'b'), deflate: false },
        { name: 'empty.png', path: path.join(dir, 'c'), deflate: true },
      ],
      out,
    );
    out.end();
    await finished(out);
    expect(pythonList(zip)).toEqual([
      ['scan.tif', 300_000, 8, big.subarray(0, 8).toString('hex')],
      ['photo été.jpg', 70_000, 0, noise.subarray(0, 8).toString('hex')],
      ['empty.png', 0, 8, ''],
    ]);
  });

  test.each(['../x.png', '/etc/x', 'a/../../b', 'a\\b', ''])('refuses the entry name %j', async (name) => {
    await writeFile(path.join(dir, 'a'), 'x');
    const out = createWriteStream(path.join(dir, 'z.zip'));
    await expect(writeZip([{ name, path: path.join(dir, 'a'), deflate: false }], out)).rejects.toMatchObject({ code: 'ZIP_BAD_NAME' });
    out.end();
  });
});

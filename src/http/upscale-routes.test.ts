import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inlineJobRunner } from '../image/image-job-runner.js';
import { silentLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { UpscaleStudio } from '../studio/upscale-studio.js';
import { HttpServer } from './http-server.js';

const TOKEN = 'upscale-test-token-0123456789';
const MAX = 64 * 1024;
let root = '';
let studio: UpscaleStudio;
let server: HttpServer;
let base = '';
let png: Buffer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'uprez-upscale-api-'));
  await mkdir(path.join(root, 'videos', 'trip'), { recursive: true });
  for (const f of ['trip/b.mkv', 'a.mp4', '.hidden.mp4', 'notes.txt']) await writeFile(path.join(root, 'videos', f), 'x');
  studio = new UpscaleStudio({
    dataDir: path.join(root, 'data'),
    videoDir: path.join(root, 'videos'),
    provider: 'cpu',
    maxUploadBytes: MAX,
    retentionMs: 3600_000,
    runner: inlineJobRunner,
    log: silentLogger,
  });
  await studio.start();
  server = new HttpServer({
    hlsRoot: path.join(root, 'hls'),
    streams: { list: () => [], get: () => undefined },
    metrics: createMetrics({ collectDefault: false }),
    readiness: () => ({ ready: true }),
    log: silentLogger,
    apiToken: TOKEN,
    upscale: studio,
  });
  base = `http://127.0.0.1:${await server.start(0, '127.0.0.1')}`;
  const px = Buffer.alloc(24 * 16 * 4);
  for (let i = 0; i < 24 * 16; i++) px.set([(i * 7) % 256, 120, 200, i % 24 < 6 ? 0 : 255], i * 4);
  png = await sharp(px, { raw: { width: 24, height: 16, channels: 4 } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  await server?.close();
  await studio?.close();
  await rm(root, { recursive: true, force: true });
});

const auth = { Authorization: `Bearer ${TOKEN}` };

async function upload(
  body: Uint8Array | string,
  name = 'photo.png',
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${base}/api/upscale/uploads?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/octet-stream', ...headers },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function json(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + p, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

/** uploadFiles lists what is kept under DATA_DIR/uploads/files and whether half-received uploads were left. */
async function stored(): Promise<{ files: string[]; incoming: string[] }> {
  return {
    files: (await readdir(path.join(root, 'data', 'uploads', 'files'))).sort(),
    incoming: await readdir(path.join(root, 'data', 'uploads', 'incoming')),
  };
}

describe('/api/upscale', () => {
  test('needs the API token; the page itself is served without it, with blob: images allowed', async () => {
    expect((await fetch(`${base}/api/upscale/models`)).status).toBe(401);
    const r = await json('GET', '/api/upscale/models');
    expect(r.status).toBe(200);
    expect(r.json.maxUploadBytes).toBe(MAX);
    expect(r.json.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'uprez-x2', scale: 2, default: true }),
        expect.objectContaining({ name: 'bicubic', scale: 2 }),
      ]),
    );
    const page = await fetch(`${base}/upscale`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/player/upscale.js');
    expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data: blob:");
    for (const m of ['upscale.js', 'upscale-api.js', 'upscale-video.js', 'compare-controls.js'])
      expect((await fetch(`${base}/player/${m}`)).status).toBe(200);
  });

  test('lists the videos of the jobs input folder (not hidden or non-video files)', async () => {
    expect((await json('GET', '/api/upscale/videos')).json).toEqual({ videos: ['a.mp4', 'trip/b.mkv'] });
  });

  test('an upload is checked by its bytes and kept under a generated name, whatever name the client gives', async () => {
    const r = await upload(png, '../../../etc/evil name.png');
    expect(r.status).toBe(201);
    expect(r.json.upload).toMatchObject({ name: 'evil name.png', format: 'png', width: 24, height: 16, bytes: png.length });
    const id = r.json.upload.id as string;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect((await stored()).files).toEqual(expect.arrayContaining([`${id}.png`, `${id}.json`]));
    // A JPEG named .png is a JPEG.
    const jpeg = await sharp(png).jpeg().toBuffer();
    const j = await upload(jpeg, 'really.png');
    expect(j.json.upload.format).toBe('jpeg');
    const before = await stored();
    const preview = await fetch(`${base}/api/upscale/uploads/${id}/preview`, { headers: auth });
    expect([preview.status, preview.headers.get('content-type')]).toEqual([200, 'image/webp']);
    expect((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).width).toBe(24);
    expect(before.incoming).toEqual([]);
  });

  test.each([
    ['text', Buffer.from('hello, not an image'), 415, 'IMAGE_UNSUPPORTED'],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'), 415, 'IMAGE_UNSUPPORTED'],
    [
      'a PNG signature and garbage',
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 1)]),
      415,
      'IMAGE_CORRUPT',
    ],
    ['nothing', Buffer.alloc(0), 400, 'UPLOAD_EMPTY'],
    ['more than the limit', Buffer.alloc(MAX + 1, 7), 413, 'UPLOAD_TOO_LARGE'],
  ])('%s is refused (%d %s) and leaves nothing behind', async (_name, body, status, code) => {
    const before = await stored();
    const r = await upload(body);
    expect([r.status, r.json.error?.code]).toEqual([status, code]);
    expect(await stored()).toEqual(before);
  });

  test('a body over the limit without a Content-Length (chunked) is cut off at the limit', async () => {
    const before = await stored();
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(8 * 1024).fill(i));
        c.close();
      },
    });
    const res = await fetch(`${base}/api/upscale/uploads?name=x.png`, {
      method: 'POST',
      headers: auth,
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await stored()).toEqual(before);
  });

  test('a batch runs, reports per-file progress, and serves each result, its preview and a zip', async () => {
    const a = (await upload(png, 'logo.png')).json.upload.id as string;
    const b = (await upload(await sharp(png).withMetadata({ orientation: 6 }).jpeg().toBuffer(), 'phone.jpg')).json.upload.id as string;
    expect((await json('POST', '/api/upscale/batches', { uploads: [a], scale: 3 })).json.error).toMatchObject({
      code: 'BATCH_INVALID',
      message: '"scale" must be 2 or 4',
    });
    expect((await json('POST', '/api/upscale/batches', { uploads: [a], model: '../x.onnx' })).status).toBe(400);
    expect((await json('POST', '/api/upscale/batches', { uploads: ['0123456789abcdef'] })).json.error.message).toMatch(
      /no upload "0123456789abcdef"/,
    );
    const created = await json('POST', '/api/upscale/batches', {
      uploads: [a, b],
      model: 'bicubic',
      scale: 2,
      format: 'keep',
      quality: 80,
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    let batch: any;
    for (let i = 0; i < 200; i++) {
      batch = (await json('GET', `/api/upscale/batches/${id}`)).json;
      if (batch.state !== 'queued' && batch.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(batch).toMatchObject({ state: 'done', model: 'bicubic' });
    expect(batch.files).toEqual([
      expect.objectContaining({
        upload: a,
        state: 'done',
        tilesDone: 1,
        tilesTotal: 1,
        output: expect.objectContaining({ name: 'logo-x2.png', width: 48, height: 32, notes: [] }),
      }),
      expect.objectContaining({
        upload: b,
        state: 'done',
        output: expect.objectContaining({ name: 'phone-x2.jpg', width: 32, height: 48, notes: ['turned upright (EXIF orientation 6)'] }),
      }),
    ]);
    const file = await fetch(`${base}/api/upscale/batches/${id}/files/${a}`, { headers: auth });
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="logo-x2.png"; filename*=UTF-8''logo-x2.png`);
    const out = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
    expect([out.format, out.width, out.height, out.hasAlpha]).toEqual(['png', 48, 32, true]);
    expect((await fetch(`${base}/api/upscale/batches/${id}/files/${b}/preview`, { headers: auth })).headers.get('content-type')).toBe(
      'image/webp',
    );
    expect((await fetch(`${base}/api/upscale/batches/${id}/files/ffffffffffffffff`, { headers: auth })).status).toBe(404);

    const zip = await fetch(`${base}/api/upscale/batches/${id}/zip`, { headers: auth });
    expect([zip.status, zip.headers.get('content-type')]).toEqual([200, 'application/zip']);
    const zipFile = path.join(root, 'batch.zip');
    await writeFile(zipFile, Buffer.from(await zip.arrayBuffer()));
    const names = execFileSync(
      'python3',
      ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(",".join(z.namelist()))', zipFile],
      { encoding: 'utf8' },
    ).trim();
    expect(names).toBe('logo-x2.png,phone-x2.jpg');

    expect((await json('DELETE', `/api/upscale/batches/${id}`)).status).toBe(204);
    expect((await json('GET', `/api/upscale/batches/${id}`)).status).toBe(404);
  }, 60_000);

  test('retention: finished batches and unused uploads older than the limit are deleted', async () => {
    const a = (await upload(png, 'old.png')).json.upload.id as string;
    const made = await json('POST', '/api/upscale/batches', { uploads: [a], model: 'bicubic' });
    for (let i = 0; i < 200 && (await json('GET', `/api/upscale/batches/${made.json.id}`)).json.state !== 'done'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await studio.sweep(Date.now())).toEqual({ batches: 0, uploads: 0 });
    const swept = await studio.sweep(Date.now() + 3600_000 + 1);
    expect(swept.batches).toBeGreaterThanOrEqual(1);
    expect(swept.uploads).toBeGreaterThanOrEqual(1);
    expect((await json('GET', `/api/upscale/batches/${made.json.id}`)).status).toBe(404);
    expect((await stored()).files).toEqual([]);
    expect(await readdir(path.join(root, 'data', 'uploads', 'batches'))).toEqual([]);
  }, 60_000);
});

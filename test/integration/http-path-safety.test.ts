import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cp, link, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { findPlayerDir } from '../../src/http/player-route.js';
import { HttpServer } from '../../src/http/http-server.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';

// Every HTTP path that maps to a file must stay inside the data dir's HLS root (or the player's
// own files), whatever the encoding, and never through a symlink. This runs the composed
// server (`uprez serve` with --model none) on a real data dir, and sends request targets byte
// for byte as written (fetch and URL would normalise "..", "%2e" and backslashes away).

const SECRET = 'TOP-SECRET-NOT-FOR-HTTP';
const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360\n360p/index.m3u8\n';
const SEGMENT = Buffer.from([0x47, 0x40, 0x00, 0x10, 9, 8, 7, 6]);

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** rawRequest writes the request line itself, so the target reaches the server exactly as given. */
function rawRequest(port: number, target: string, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

// Created at load: the request tables below name absolute paths inside it.
const root = mkdtempSync(path.join(os.tmpdir(), 'uprez-paths-'));
let dataDir: string;
let server: UprezServer;
let port: number;

beforeAll(async () => {
  // The data dir sits below a dot-folder (like ~/.local/share) and is reached through a symlink:
  // neither may stop HLS from being served.
  const realData = path.join(root, '.state', 'data');
  dataDir = path.join(root, 'data-link');
  const hls = path.join(realData, 'hls');
  const outside = path.join(root, 'outside');
  await mkdir(path.join(hls, 'abc', '360p'), { recursive: true });
  await mkdir(path.join(hls, 'abc', 'dir.ts'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await symlink(realData, dataDir);
  await writeFile(path.join(hls, 'abc', 'master.m3u8'), MASTER);
  await writeFile(path.join(hls, 'abc', '360p', 'seg_00001.ts'), SEGMENT);
  await writeFile(path.join(hls, 'abc', '.hidden.ts'), SECRET);
  // Secrets outside the HLS root: in the data dir itself, beside it, and in the root.
  await writeFile(path.join(realData, 'secret.ts'), SECRET);
  await writeFile(path.join(realData, 'secret.m3u8'), SECRET);
  await writeFile(path.join(outside, 'secret.ts'), SECRET);
  await writeFile(path.join(outside, 'secret.m3u8'), SECRET);
  await writeFile(path.join(root, 'secret.ts'), SECRET);
  // Symlinks inside the HLS root that lead out of it must be refused (realpath check).
  await symlink(path.join(outside, 'secret.ts'), path.join(hls, 'abc', 'evil.ts'));
  await symlink(path.join(realData, 'secret.m3u8'), path.join(hls, 'abc', 'evil.m3u8'));
  await symlink('../../secret.ts', path.join(hls, 'abc', 'relative-evil.ts'));
  await symlink(outside, path.join(hls, 'abc', 'linkdir'));
  await symlink(outside, path.join(hls, 'escape'));
  await symlink('/etc/hostname', path.join(hls, 'abc', 'hostname.ts'));
  // A link that stays inside is fine; a link to a dot-file inside is not served either.
  await symlink('master.m3u8', path.join(hls, 'abc', 'alias.m3u8'));
  await symlink('.hidden.ts', path.join(hls, 'abc', 'to-hidden.ts'));
  // A FIFO would block a reader forever: it must be refused, not opened.
  execFileSync('mkfifo', [path.join(hls, 'abc', 'pipe.ts')]);
  // The jobs input directory (DATA_DIR/inputs): a real input, links leading out, a FIFO.
  const inputs = path.join(realData, 'inputs');
  await mkdir(path.join(inputs, 'sub'), { recursive: true });
  await writeFile(path.join(outside, 'secret.mp4'), SECRET);
  await symlink(path.join(outside, 'secret.mp4'), path.join(inputs, 'link-out.mp4'));
  await symlink(outside, path.join(inputs, 'dir-out'));
  execFileSync('mkfifo', [path.join(inputs, 'pipe.mp4')]);

  const config = parseServeConfig(
    ['--model', 'none', '--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir],
    {},
  );
  server = new UprezServer(config, { log: silentLogger, shutdownGraceMs: 1_000 });
  port = (await server.start()).httpPort;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('HLS files are served from inside the data dir only', () => {
  test.each([
    ['/hls/abc/master.m3u8', MASTER],
    ['/hls/abc/alias.m3u8', MASTER],
    ['/hls/abc/360p/seg_00001.ts', SEGMENT.toString('latin1')],
  ])('serves %s (data dir below a dot-folder, reached through a symlink)', async (target, body) => {
    const r = await rawRequest(port, target);
    expect(r.status).toBe(200);
    expect(r.body).toBe(body);
  });

  test.each([
    // plain traversal
    '/hls/../secret.ts',
    '/hls/abc/../secret.ts',
    '/hls/abc/../../secret.ts',
    '/hls/abc/../../../secret.ts',
    '/hls/abc/../../../outside/secret.ts',
    '/hls/abc/360p/../../../../secret.ts',
    '/hls/abc/./../../secret.ts',
    // percent-encoded dots and slashes, mixed case, double-encoded
    '/hls/abc/%2e%2e/%2e%2e/secret.ts',
    '/hls/abc/%2E%2E/%2E%2E/secret.m3u8',
    '/hls/abc/.%2e/.%2e/secret.ts',
    '/hls/abc/%2e./%2e./secret.ts',
    '/hls/abc/..%2f..%2fsecret.ts',
    '/hls/abc/..%2F..%2F..%2Foutside%2Fsecret.ts',
    '/hls/abc%2f..%2f..%2fsecret.ts',
    '/hls/%2e%2e%2fsecret.ts',
    '/hls/abc/%252e%252e/%252e%252e/secret.ts',
    '/hls/abc/..%252f..%252fsecret.ts',
    // overlong UTF-8 and look-alike dots and slashes
    '/hls/abc/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.ts',
    '/hls/abc/%c0%af..%c0%af..%c0%afsecret.ts',
    '/hls/abc/%e2%80%a4%e2%80%a4/secret.ts',
    '/hls/abc/..%ef%bc%8f..%ef%bc%8fsecret.ts',
    // backslashes, raw and encoded
    '/hls/abc/..\\..\\secret.ts',
    '/hls/abc/..%5c..%5csecret.ts',
    '/hls/abc/..%5C..%5Csecret.ts',
    '/hls/abc\\..\\..\\secret.ts',
    // absolute paths
    '/hls//etc/hostname.ts',
    `/hls/${encodeURIComponent(path.join(root, 'secret.ts'))}`,
    `/hls/abc/${encodeURIComponent(path.join(root, 'secret.ts'))}`,
    `/hls/abc/${path.join(root, 'secret.ts')}`,
    `/hls${path.join(root, 'secret.ts')}`,
    '/hls/abc//etc/hostname.ts',
    '/hls/abc/C:/secret.ts',
    '/hls/abc/C%3a%5csecret.ts',
    // NUL bytes
    '/hls/abc/master.m3u8%00.ts',
    '/hls/abc/secret.ts%00',
    '/hls/abc/%00/../../secret.ts',
    // path parameters and request-target tricks
    '/hls/abc/..;/..;/secret.ts',
    '/hls/abc/master.m3u8;/../../secret.ts',
    '/hls/abc/master.m3u8/..',
    '/hls/abc/master.m3u8/../../secret.ts',
    // symlinks out of the HLS root (absolute, relative, to a directory, the key itself)
    '/hls/abc/evil.ts',
    '/hls/abc/evil.m3u8',
    '/hls/abc/relative-evil.ts',
    '/hls/abc/hostname.ts',
    '/hls/abc/linkdir/secret.ts',
    '/hls/abc/linkdir/secret.m3u8',
    '/hls/escape/secret.ts',
    // dot-files, directly or through a link; not-a-regular-file
    '/hls/abc/.hidden.ts',
    '/hls/abc/to-hidden.ts',
    '/hls/abc/dir.ts',
    '/hls/abc/pipe.ts',
    // not HLS
    '/hls/abc/secret.key',
    '/hls/secret.ts',
  ])('refuses %s with a JSON 4xx, never the file', async (target) => {
    for (const method of ['GET', 'HEAD']) {
      const r = await rawRequest(port, target, method);
      expect(r.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${target}`).toBeLessThan(500);
      expect(r.body).not.toContain(SECRET);
      expect(r.body).not.toContain(root);
      if (method === 'GET') {
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(r.body)).toMatchObject({ error: { code: expect.stringMatching(/^HTTP_/) } });
      }
    }
  });

  test('an absolute-form request target is judged by its path, not let through', async () => {
    for (const target of [`http://127.0.0.1:${port}/hls/../secret.ts`, `http://127.0.0.1:${port}/hls/abc/%2e%2e/%2e%2e/secret.ts`]) {
      const r = await rawRequest(port, target);
      expect(r.status, target).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain(SECRET);
    }
  });

  test('a 16 KiB path is refused without a 500', async () => {
    const r = await rawRequest(port, `/hls/abc/${'a/'.repeat(8192)}x.ts`);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  test('a hard link is the one thing a path check cannot see: it is a file inside the root by every measure', async () => {
    // Documented limit rather than a hole: only someone who can write into the data dir can make
    // one, and that someone can write segments too. Pinned so a change in behaviour is noticed.
    const linked = path.join(root, '.state', 'data', 'hls', 'abc', 'hard.ts');
    await link(path.join(root, 'outside', 'secret.ts'), linked);
    const r = await rawRequest(port, '/hls/abc/hard.ts');
    expect(r.status).toBe(200);
    await rm(linked);
  });
});

/** postJob sends a job body to POST /api/jobs (open: no API token is configured here). */
function postJob(body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/jobs',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('job inputs named over HTTP stay inside the jobs input directory', () => {
  test.each([
    '../secret.ts',
    '../../outside/secret.mp4',
    'sub/../../secret.ts',
    './../secret.m3u8',
    '..\\..\\outside\\secret.mp4',
    '%2e%2e/%2e%2e/outside/secret.mp4',
    '/etc/hostname',
    path.join(root, 'outside', 'secret.mp4'),
    'link-out.mp4',
    'dir-out/secret.mp4',
    'pipe.mp4',
    'sub',
    'file:/etc/hostname',
    'file:///etc/hostname',
    'concat:/etc/hostname|/etc/hostname',
    'pipe:0',
    'subfile:,start,0,end,0,:/etc/hostname',
    'http://169.254.169.254/latest/meta-data/',
    'secret.mp4\u0000.mp4',
  ])('file and restream jobs refuse %j with a 400, before anything runs', async (input) => {
    for (const body of [
      { type: 'file', input },
      { type: 'restream', input, key: 'jobkey' },
    ]) {
      const r = await postJob(body);
      expect(r.status, `${body.type} ${input}: ${r.text}`).toBe(400);
      expect(r.text).not.toContain(SECRET);
      expect(JSON.parse(r.text)).toMatchObject({ error: { code: expect.stringMatching(/^(INPUT|JOB)_INVALID$/) } });
    }
    const list = await rawRequest(port, '/api/jobs');
    expect(JSON.parse(list.body)).toEqual({ jobs: [] });
  });

  test('while a file inside it is accepted (the refusals above are about the path)', async () => {
    await writeFile(path.join(root, '.state', 'data', 'inputs', 'sub', 'ok.mp4'), 'not really a video');
    const r = await postJob({ type: 'file', input: 'sub/ok.mp4' });
    expect(r.status, r.text).toBe(201);
    const id = (JSON.parse(r.text) as { id: string }).id;
    await new Promise<void>((resolve, reject) => {
      http
        .request({ host: '127.0.0.1', port, path: `/api/jobs/${id}`, method: 'DELETE', agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject)
        .end();
    });
  });
});

describe('the player and dashboard serve their own files only', () => {
  test.each([
    '/player',
    '/player/',
    '/player/index.html',
    '/player/player.js',
    '/player/player.css',
    '/player/vendor/hls.mjs',
    '/player/vendor/hls.worker.js',
    '/dashboard',
    '/dashboard/',
  ])('serves %s', async (target) => {
    expect((await rawRequest(port, target)).status).toBe(200);
  });

  test.each([
    '/player/../package.json',
    '/player/../../../../etc/passwd',
    '/player/..%2f..%2fpackage.json',
    '/player/%2e%2e/%2e%2e/package.json',
    '/player/%2e%2e%2fpackage.json',
    '/player/..%5c..%5cpackage.json',
    '/player/..\\..\\package.json',
    '/player/vendor/..%2f..%2f..%2fpackage.json',
    '/player/vendor/hls.mjs/../../../package.json',
    '/player/vendor/../../package.json',
    '/player//etc/passwd',
    '/player/%2fetc%2fpasswd',
    '/player/index.html%00.js',
    '/player/player.js%00',
    '/player/./index.html/..%2f..%2fpackage.json',
    '/player/vendor/hls.js',
    '/player/vendor/hls.min.js',
    '/player/vendor/',
    '/player/README.md',
    '/player/.git/config',
    `/player/${encodeURIComponent(path.join(root, 'secret.ts'))}`,
    '/dashboard/../package.json',
    '/dashboard/..%2f..%2fpackage.json',
    '/dashboard/%2e%2e/%2e%2e/package.json',
    '/dashboard/..%5cpackage.json',
    '/dashboard/dashboard.html%00',
    '/dashboard//etc/passwd',
    '/dashboard/player.js',
  ])('refuses %s', async (target) => {
    const r = await rawRequest(port, target);
    expect(r.status, target).toBeGreaterThanOrEqual(400);
    expect(r.status, target).toBeLessThan(500);
    expect(r.body).not.toContain('"name": "uprez"');
    expect(r.body).not.toContain('root:');
  });

  test('a player folder below a dot-folder is still served (pnpm keeps packages in node_modules/.pnpm)', async () => {
    const playerDir = path.join(root, '.cache', 'player');
    await cp(findPlayerDir(), playerDir, { recursive: true });
    const http2 = new HttpServer({
      hlsRoot: path.join(dataDir, 'hls'),
      streams: { list: () => [], get: () => undefined },
      metrics: createMetrics({ collectDefault: false }),
      readiness: () => ({ ready: true }),
      log: silentLogger,
      playerDir,
    });
    const p = await http2.start(0, '127.0.0.1');
    try {
      for (const target of ['/player', '/player/player.js']) expect((await rawRequest(p, target)).status, target).toBe(200);
    } finally {
      await http2.close();
    }
  });
});

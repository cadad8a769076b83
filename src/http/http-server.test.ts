import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import type { StreamDirectory, StreamSnapshot } from '../stream/stream-snapshot.js';
import { HttpServer, type HttpServerOptions } from './http-server.js';
import { HLS_JS_PATH } from './player-route.js';
import { fakeSnapshot, framesOf } from '../../test/helpers/stream-snapshot.js';

const SECRET = 'TOP-SECRET-OUTSIDE-HLS-ROOT';
const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=2560x1440\n1440p/index.m3u8\n';
const SEGMENT = Buffer.from([0x47, 0x40, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8]);

function snapshot(key: string): StreamSnapshot {
  return fakeSnapshot(key, {
    input: { width: 1280, height: 720, fps: 30 },
    output: { width: 2560, height: 1440 },
    hasAudio: true,
    ...framesOf(100, 90),
    fallbacks: { predicted_late: 6, queue_full: 4, model_error: 0, no_model: 0, late_result: 0 },
    deadlineMisses: 1,
    renditions: [{ name: '1440p', width: 2560, height: 1440, bandwidth: 6_000_000, playlist: `/hls/${key}/1440p/index.m3u8` }],
  });
}

/** A hand-written StreamDirectory: a fixed map, or a throw to exercise the 500 path. */
class FakeDirectory implements StreamDirectory {
  failing = false;
  constructor(private readonly snaps: StreamSnapshot[]) {}
  list(): StreamSnapshot[] {
    if (this.failing) throw new Error('directory exploded');
    return [...this.snaps];
  }
  get(key: string): StreamSnapshot | undefined {
    return this.snaps.find((s) => s.key === key);
  }
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** raw sends a request with the path exactly as written (fetch would normalise "..") and no keep-alive. */
function raw(port: number, rawPath: string, opts: { method?: string; headers?: http.OutgoingHttpHeaders } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const json = (r: RawResponse): unknown => JSON.parse(r.body);

let root: string;
let hlsRoot: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'uprez-http-'));
  hlsRoot = path.join(root, 'hls');
  const outside = path.join(root, 'outside');
  await mkdir(path.join(hlsRoot, 'abc', '1440p'), { recursive: true });
  await mkdir(path.join(hlsRoot, 'abc', 'v0'), { recursive: true });
  await mkdir(path.join(hlsRoot, 'abc', 'dir.ts'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(hlsRoot, 'abc', 'master.m3u8'), MASTER);
  await writeFile(path.join(hlsRoot, 'abc', '1440p', 'index.m3u8'), '#EXTM3U\n#EXTINF:2.0,\nseg_00001.ts\n');
  await writeFile(path.join(hlsRoot, 'abc', '1440p', 'seg_00001.ts'), SEGMENT);
  await writeFile(path.join(hlsRoot, 'abc', 'v0', 'chunk-1.m4s'), SEGMENT);
  await writeFile(path.join(hlsRoot, 'abc', 'v0', 'init.mp4'), SEGMENT);
  // A live run's media: names carry the run id, so they are unique for their content.
  await writeFile(path.join(hlsRoot, 'abc', '1440p', 'k3j4h5g6f7s1_00001.ts'), SEGMENT);
  await writeFile(path.join(hlsRoot, 'abc', 'v0', 'k3j4h5g6f7_p000012.m4s'), SEGMENT);
  await writeFile(path.join(hlsRoot, 'abc', 'v0', 'k3j4h5g6f7s2_init.mp4'), SEGMENT);
  await writeFile(path.join(hlsRoot, 'abc', '1440p', 'ffmpeg.m3u8.private'), MASTER);
  await writeFile(path.join(outside, 'secret.ts'), SECRET);
  await writeFile(path.join(outside, 'secret.m3u8'), SECRET);
  await writeFile(path.join(root, 'secret.ts'), SECRET);
  // Links that resolve outside hlsRoot must be refused; one that stays inside is fine.
  await symlink(path.join(outside, 'secret.ts'), path.join(hlsRoot, 'abc', 'evil.ts'));
  await symlink(outside, path.join(hlsRoot, 'abc', 'linkdir'));
  await symlink(outside, path.join(hlsRoot, 'escape'));
  await symlink('master.m3u8', path.join(hlsRoot, 'abc', 'alias.m3u8'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(over: Partial<HttpServerOptions> = {}): HttpServerOptions {
  return {
    hlsRoot,
    streams: new FakeDirectory([snapshot('abc'), snapshot('def')]),
    metrics: createMetrics({ collectDefault: false }),
    readiness: () => ({ ready: true }),
    log: silentLogger,
    ...over,
  };
}

describe('HttpServer routes', () => {
  let server: HttpServer;
  let port: number;
  let opts: HttpServerOptions;
  const lines: string[] = [];
  const dir = new FakeDirectory([snapshot('abc'), snapshot('def')]);

  beforeAll(async () => {
    opts = options({ streams: dir, log: createLogger({ level: 'debug', sink: (l) => lines.push(l) }) });
    server = new HttpServer(opts);
    port = await server.start(0, '127.0.0.1');
  });
  afterAll(() => server.close());

  it.each([
    ['/hls/abc/master.m3u8', 'application/vnd.apple.mpegurl', 'no-cache', MASTER],
    ['/hls/abc/alias.m3u8', 'application/vnd.apple.mpegurl', 'no-cache', MASTER],
    ['/hls/abc/1440p/index.m3u8?_HLS_msn=1', 'application/vnd.apple.mpegurl', 'no-cache', undefined],
    // Names a later run could reuse are revalidated; a live run's unique names are immutable.
    ['/hls/abc/1440p/seg_00001.ts', 'video/mp2t', 'no-cache', SEGMENT.toString('latin1')],
    ['/hls/abc/v0/chunk-1.m4s', 'video/iso.segment', 'no-cache', SEGMENT.toString('latin1')],
    ['/hls/abc/v0/init.mp4', 'video/mp4', 'no-cache', SEGMENT.toString('latin1')],
    ['/hls/abc/1440p/k3j4h5g6f7s1_00001.ts', 'video/mp2t', 'public, max-age=31536000, immutable', SEGMENT.toString('latin1')],
    ['/hls/abc/v0/k3j4h5g6f7_p000012.m4s', 'video/iso.segment', 'public, max-age=31536000, immutable', SEGMENT.toString('latin1')],
    ['/hls/abc/v0/k3j4h5g6f7s2_init.mp4', 'video/mp4', 'public, max-age=31536000, immutable', SEGMENT.toString('latin1')],
  ])('serves %s as %s with Cache-Control %s and CORS', async (p, type, cache, body) => {
    const r = await raw(port, p);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.headers['cache-control']).toBe(cache);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    if (body !== undefined) expect(r.body).toBe(body);
  });

  it('playlists carry an ETag and answer a matching If-None-Match with 304 (revalidation stays cheap)', async () => {
    const first = await raw(port, '/hls/abc/master.m3u8');
    expect(first.headers.etag).toBeDefined();
    const again = await raw(port, '/hls/abc/master.m3u8', { headers: { 'if-none-match': first.headers.etag as string } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers HEAD and byte ranges on segments', async () => {
    const head = await raw(port, '/hls/abc/1440p/seg_00001.ts', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(SEGMENT.length));
    expect(head.body).toBe('');
    const range = await raw(port, '/hls/abc/1440p/seg_00001.ts', { headers: { Range: 'bytes=0-3' } });
    expect(range.status).toBe(206);
    expect(range.body).toBe(SEGMENT.subarray(0, 4).toString('latin1'));
  });

  it('answers CORS preflights', async () => {
    const r = await raw(port, '/hls/abc/master.m3u8', {
      method: 'OPTIONS',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-methods']).toContain('GET');
    expect(r.headers['access-control-allow-headers']).toMatch(/Range/i);
  });

  it('refuses other methods on /hls', async () => {
    const r = await raw(port, '/hls/abc/master.m3u8', { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toContain('GET');
  });

  it.each([
    '/hls/../secret.ts',
    '/hls/abc/../../secret.ts',
    '/hls/abc/../../outside/secret.ts',
    '/hls/abc/%2e%2e/%2e%2e/secret.ts',
    '/hls/abc/%2E%2E%2F%2E%2E%2Fsecret.ts',
    '/hls/abc/..%2f..%2fsecret.ts',
    '/hls/abc%2f..%2f..%2foutside%2fsecret.ts',
    '/hls/abc/..%5c..%5csecret.ts',
    '/hls/abc/..\\..\\secret.ts',
    '/hls/abc/%252e%252e/%252e%252e/secret.ts',
    '/hls//' + path.join('x', 'secret.ts'),
    `/hls/${'abc'}/${encodeURIComponent(path.join('/', 'tmp', 'secret.ts'))}`,
    '/hls/abc/master.m3u8%00.ts',
    '/hls/abc/evil.ts',
    '/hls/abc/linkdir/secret.ts',
    '/hls/abc/linkdir/secret.m3u8',
    '/hls/escape/secret.ts',
    '/hls/abc/.hidden.ts',
    '/hls/abc/missing.ts',
    '/hls/nokey/master.m3u8',
    '/hls/abc/1440p',
    '/hls/abc/dir.ts',
    '/hls/abc/secret.key',
    '/hls/abc/',
    '/hls/',
    '/hls',
    '/hls/%zz/x.ts',
    '/hls/abc/master.m3u8/..',
  ])('refuses %s with a JSON 400/404, never the file and never a 500', async (p) => {
    const r = await raw(port, p);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(json(r)).toMatchObject({ error: { code: expect.stringMatching(/^HTTP_/), message: expect.any(String) } });
  });

  it.each(['/hls/abc/1440p/ffmpeg.m3u8.private', '/hls/abc/1440p/k3j4h5g6f7s1_00002.ts.tmp', '/hls/abc/1440p/index.m3u8.123.tmp'])(
    'never serves private or temporary files: %s is a 404',
    async (p) => {
      const r = await raw(port, p);
      expect(r.status).toBe(404);
      expect(r.body).not.toContain('EXT-X-STREAM-INF');
    },
  );

  it('lists streams and returns one as JSON, 404 JSON for an unknown one', async () => {
    const list = await raw(port, '/api/streams');
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toMatch(/^application\/json/);
    expect(list.headers['access-control-allow-origin']).toBe('*');
    expect(json(list)).toEqual({ streams: [snapshot('abc'), snapshot('def')] });
    const one = await raw(port, '/api/streams/def');
    expect(json(one)).toEqual(snapshot('def'));
    for (const p of ['/api/streams/nope', '/api/streams/bad.key', '/api/nothing']) {
      const r = await raw(port, p);
      expect(r.status, p).toBe(404);
      expect(json(r), p).toMatchObject({ error: { code: expect.stringMatching(/^HTTP_.*NOT_FOUND$/) } });
    }
  });

  it('answers 500 as JSON without a stack trace, and logs the error', async () => {
    dir.failing = true;
    try {
      const r = await raw(port, '/api/streams');
      expect(r.status).toBe(500);
      expect(json(r)).toEqual({ error: { code: 'HTTP_INTERNAL', message: 'internal server error' } });
      expect(r.body).not.toMatch(/exploded|at .*\.ts/);
      expect(lines.some((l) => l.includes('ERROR') && l.includes('directory exploded'))).toBe(true);
    } finally {
      dir.failing = false;
    }
  });

  it('exposes metrics in the Prometheus text format', async () => {
    opts.metrics.framesTotal.inc({ stream: 'abc', path: 'model' }, 7);
    const r = await raw(port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(opts.metrics.registry.contentType);
    expect(r.body).toMatch(/^uprez_frames_total\{stream="abc",path="model"\} 7$/m);
  });

  it('serves the player page, its script and the vendored hls.js', async () => {
    for (const p of ['/player', '/player/', '/player?stream=abc']) {
      const page = await raw(port, p);
      expect(page.status, p).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect(page.body).toContain(HLS_JS_PATH);
      expect(page.body).toContain('/player/player.js');
    }
    const script = await raw(port, '/player/player.js');
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body).toContain(`from '${HLS_JS_PATH}'`);
    const hls = await raw(port, HLS_JS_PATH);
    expect(hls.status).toBe(200);
    expect(hls.headers['content-type']).toMatch(/^text\/javascript/);
    expect(hls.body).toMatch(/as default/);
    const worker = await raw(port, '/player/vendor/hls.worker.js');
    expect(worker.status).toBe(200);
    expect((await raw(port, '/player/player.css')).headers['content-type']).toMatch(/^text\/css/);
    for (const p of ['/player/nope.js', '/player/../package.json', '/player/vendor/hls.js']) {
      expect((await raw(port, p)).status, p).toBe(404);
    }
  });

  it('redirects / to the player and answers unknown routes with JSON 404', async () => {
    const home = await raw(port, '/');
    expect(home.status).toBe(302);
    expect(home.headers.location).toBe('/player');
    const r = await raw(port, '/nothing/here');
    expect(r.status).toBe(404);
    expect(json(r)).toMatchObject({ error: { code: 'HTTP_NOT_FOUND' } });
  });
});

describe('HttpServer health and lifecycle', () => {
  it('reports health, readiness and drains after beginShutdown', async () => {
    let ready: { ready: boolean; reason?: string } = { ready: false, reason: 'no model loaded' };
    const server = new HttpServer(options({ readiness: () => ready }));
    const port = await server.start(0, '127.0.0.1');
    try {
      expect(json(await raw(port, '/healthz'))).toEqual({ status: 'ok' });
      const notReady = await raw(port, '/readyz');
      expect(notReady.status).toBe(503);
      expect(json(notReady)).toEqual({ status: 'not_ready', reason: 'no model loaded' });
      ready = { ready: true };
      expect((await raw(port, '/readyz')).status).toBe(200);
      server.beginShutdown();
      const draining = await raw(port, '/readyz');
      expect(draining.status).toBe(503);
      expect(json(draining)).toEqual({ status: 'not_ready', reason: 'shutting down' });
      expect(draining.headers.connection).toBe('close');
      expect((await raw(port, '/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('treats a throwing readiness check as not ready', async () => {
    const server = new HttpServer(
      options({
        readiness: () => {
          throw new Error('boom');
        },
      }),
    );
    const port = await server.start(0, '127.0.0.1');
    try {
      const r = await raw(port, '/readyz');
      expect(r.status).toBe(503);
      expect(json(r)).toMatchObject({ reason: expect.stringContaining('boom') });
    } finally {
      await server.close();
    }
  });

  it('refuses a second start and reports a taken port as a coded error', async () => {
    const a = new HttpServer(options());
    const port = await a.start(0, '127.0.0.1');
    const b = new HttpServer(options());
    try {
      await expect(a.start(0)).rejects.toMatchObject({ code: 'HTTP_ALREADY_STARTED' });
      await expect(b.start(port, '127.0.0.1')).rejects.toMatchObject({ code: 'HTTP_LISTEN_FAILED', stage: 'http' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('closes promptly with keep-alive and half-sent requests open, idempotently, leaving no handle', async () => {
    const tcpHandles = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    // Let sockets from earlier tests finish closing, so the baseline is this test's own.
    await new Promise((r) => setTimeout(r, 20));
    const before = tcpHandles();
    const server = new HttpServer(options({ closeGraceMs: 200 }));
    const port = await server.start(0, '127.0.0.1');

    // An idle keep-alive connection after a finished request...
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    // ...and a client that never finishes its request headers.
    const stuck = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => stuck.once('connect', resolve));
    stuck.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const stuckClosed = new Promise((resolve) => stuck.once('close', resolve));
    stuck.on('error', () => {});

    const t0 = Date.now();
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await stuckClosed;
    expect(Date.now() - t0).toBeLessThan(1_500);
    agent.destroy();
    await server.close();
    await new Promise((r) => setImmediate(r));
    expect(tcpHandles()).toBe(before);
  });

  it('close() before start() resolves', async () => {
    await expect(new HttpServer(options()).close()).resolves.toBeUndefined();
  });
});

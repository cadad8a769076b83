import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contentTypeOf, HttpOrigin } from './http-origin.js';
import { OriginError } from './origin-error.js';
import { parseOriginUrl } from './origin-url.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let server: http.Server;
let port: number;
let dir: string;
const seen: Seen[] = [];
const sockets = new Set<unknown>();
/** Status to answer per path; default 201 for PUT, 204 for DELETE. */
const answers = new Map<string, number>();
let hang = false;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-http-origin-'));
  server = http.createServer((req, res) => {
    sockets.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (hang) return;
      res.statusCode = answers.get(req.url ?? '') ?? (req.method === 'PUT' ? 201 : 204);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const signal = (): AbortSignal => new AbortController().signal;

async function rejection(p: Promise<unknown>): Promise<OriginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OriginError);
    return err as OriginError;
  }
  throw new Error('expected a rejection');
}

describe('HttpOrigin', () => {
  test('PUT streams a file with its length and type, with the Basic credentials of the URL, over one kept-alive connection', async () => {
    const origin = new HttpOrigin(parseOriginUrl(`http://up:pw@127.0.0.1:${port}/hls`, 't'));
    const file = path.join(dir, 'seg.ts');
    const bytes = Buffer.alloc(300_000, 7);
    writeFileSync(file, bytes);
    seen.length = 0;
    sockets.clear();
    await origin.put('k/720p/seg 1.ts', { file: { path: file, size: bytes.length } }, signal());
    await origin.put('k/720p/index.m3u8', { text: '#EXTM3U\n' }, signal());
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['PUT /hls/k/720p/seg%201.ts', 'PUT /hls/k/720p/index.m3u8']);
    expect(seen[0]?.body.equals(bytes)).toBe(true);
    expect(seen[0]?.headers['content-length']).toBe(String(bytes.length));
    expect(seen[0]?.headers['content-type']).toBe('video/mp2t');
    expect(seen[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('up:pw').toString('base64')}`);
    expect(seen[1]?.body.toString()).toBe('#EXTM3U\n');
    expect(seen[1]?.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(sockets.size).toBe(1);
    origin.close();
  });

  test('statuses: 404 on DELETE is done; 5xx and 429 are retryable; other 4xx are not', async () => {
    const origin = new HttpOrigin(parseOriginUrl(`http://127.0.0.1:${port}/`, 't'));
    answers.set('/k/gone.ts', 404);
    await origin.delete('k/gone.ts', signal());
    answers.set('/k/a.ts', 503);
    answers.set('/k/b.ts', 429);
    answers.set('/k/c.ts', 403);
    const a = await rejection(origin.put('k/a.ts', { text: 'x' }, signal()));
    const b = await rejection(origin.put('k/b.ts', { text: 'x' }, signal()));
    const c = await rejection(origin.put('k/c.ts', { text: 'x' }, signal()));
    expect([a.code, a.retryable, a.originStatus]).toEqual(['ORIGIN_HTTP_STATUS', true, 503]);
    expect(a.message).toBe(`PUT http://127.0.0.1:${port}/k/a.ts answered 503 Service Unavailable`);
    expect([b.originStatus, b.retryable]).toEqual([429, true]);
    expect([c.originStatus, c.retryable]).toEqual([403, false]);
    expect((await rejection(origin.put('k/gone.ts', { text: 'x' }, signal()))).originStatus).toBe(404);
    origin.close();
  });

  test('a refused connection is retryable; a file gone from disk is not', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const dead = new HttpOrigin(parseOriginUrl(`http://127.0.0.1:${deadPort}/`, 't'));
    const e = await rejection(dead.put('k/a.ts', { text: 'x' }, signal()));
    expect([e.code, e.retryable]).toEqual(['ORIGIN_NETWORK', true]);
    expect(e.message).toContain('ECONNREFUSED');
    const origin = new HttpOrigin(parseOriginUrl(`http://127.0.0.1:${port}/`, 't'));
    const m = await rejection(origin.put('k/x.ts', { file: { path: path.join(dir, 'nope.ts'), size: 1 } }, signal()));
    expect([m.code, m.retryable]).toEqual(['ORIGIN_FILE_MISSING', false]);
    dead.close();
    origin.close();
  });

  test('an abort ends the request with the abort reason', async () => {
    const origin = new HttpOrigin(parseOriginUrl(`http://127.0.0.1:${port}/`, 't'));
    hang = true;
    const ac = new AbortController();
    const p = origin.put('k/slow.ts', { text: 'x' }, ac.signal);
    setTimeout(() => ac.abort(new OriginError('ORIGIN_TIMEOUT', 'too slow', true)), 50);
    const e = await rejection(p);
    hang = false;
    expect([e.code, e.retryable]).toEqual(['ORIGIN_TIMEOUT', true]);
    origin.close();
  });

  test('a strict WebDAV server (no directories made on PUT): MKCOL each missing directory once, then PUT again', async () => {
    const dirs = new Set<string>(['/']);
    const log: string[] = [];
    const strict = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = req.url ?? '';
        log.push(`${req.method} ${url}`);
        const parent = url.slice(0, url.slice(0, -1).lastIndexOf('/') + 1);
        if (req.method === 'MKCOL') res.statusCode = dirs.has(url) ? 405 : dirs.has(parent) ? (dirs.add(url), 201) : 409;
        else if (req.method === 'PUT') res.statusCode = dirs.has(parent) ? 201 : 409;
        else res.statusCode = 400;
        res.end();
      });
    });
    await new Promise<void>((r) => strict.listen(0, '127.0.0.1', r));
    const p = (strict.address() as AddressInfo).port;
    dirs.add('/hls/');
    const origin = new HttpOrigin(parseOriginUrl(`http://127.0.0.1:${p}/hls/`, 't'));
    await origin.put('k/720p/a.ts', { text: 'a' }, signal());
    await origin.put('k/720p/b.ts', { text: 'b' }, signal());
    await origin.put('k/360p/a.ts', { text: 'c' }, signal());
    expect(log).toEqual([
      'PUT /hls/k/720p/a.ts',
      'MKCOL /hls/',
      'MKCOL /hls/k/',
      'MKCOL /hls/k/720p/',
      'PUT /hls/k/720p/a.ts',
      'PUT /hls/k/720p/b.ts',
      'PUT /hls/k/360p/a.ts',
      'MKCOL /hls/k/360p/',
      'PUT /hls/k/360p/a.ts',
    ]);
    origin.close();
    strict.closeAllConnections();
    await new Promise((r) => strict.close(r));
  });

  test('content types', () => {
    expect(['a.m3u8', 'a.ts', 'a.m4s', 'init.mp4', 'x.bin'].map(contentTypeOf)).toEqual([
      'application/vnd.apple.mpegurl',
      'video/mp2t',
      'video/iso.segment',
      'video/mp4',
      'application/octet-stream',
    ]);
    expect(statSync(dir).isDirectory()).toBe(true);
  });
});

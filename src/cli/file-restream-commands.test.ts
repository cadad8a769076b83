import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { captureIo as captureWith, type CapturedIo } from '../../test/helpers/capture-io.js';
import { runFileCommand } from './file-command.js';
import { DEFAULT_INGEST, parseIngestBase, parseServer, runRestreamCommand } from './restream-command.js';
import { followRestreamJob } from './restream-job-client.js';

const io = (): CapturedIo => captureWith(process.env);

describe('uprez file: usage errors name the flag', () => {
  test.each([
    [['in.mp4'], /--out DIR is required/],
    [['a.mp4', 'b.mp4', '--out', 'o'], /exactly one input/],
    [['in.mp4', '--out', 'o', '--scale', '3'], /--scale must be 2 or 4/],
    [['in.mp4', '--out', 'o', '--x4', 'three'], /--x4 must be auto, model or 2x2/],
    [['in.mp4', '--out', 'o', '--segment-seconds', '0'], /--segment-seconds must be/],
    [['file:/etc/passwd', '--out', 'o'], /scheme "file:" is not allowed/],
    [['/nonexistent/in.mp4', '--out', 'o'], /no such file/],
  ])('%j', async (argv, msg) => {
    await expect(runFileCommand(argv, io())).rejects.toThrow(msg);
  });
  test('--help', async () => {
    const o = io();
    expect(await runFileCommand(['--help'], o)).toBe(0);
    expect(o.out()).toMatch(/^Usage: uprez file IN --out DIR/);
  });
});

describe('uprez restream', () => {
  test('--rtmp-url and --server are checked', () => {
    expect(parseIngestBase(undefined)).toBe(DEFAULT_INGEST);
    expect(parseIngestBase('rtmp://10.0.0.5:1935/live/')).toBe('rtmp://10.0.0.5:1935/live');
    expect(() => parseIngestBase('http://h/live')).toThrow(/--rtmp-url/);
    expect(() => parseIngestBase('rtmp://h/live?x=1')).toThrow(/--rtmp-url/);
    expect(parseServer(undefined)).toBe('http://127.0.0.1:8000');
    expect(() => parseServer('ftp://h')).toThrow(/--server/);
  });
  test.each([
    [['a.mp4', 'b.mp4'], /exactly one input/],
    [['a.mp4', '--key', '../x'], /--key must match/],
  ])('usage error %j', async (argv, msg) => {
    await expect(runRestreamCommand(argv, io())).rejects.toThrow(msg);
  });
  test('--to goes to the server as a job; a refusal is reported with its reason', async () => {
    let seen: { auth?: string; body?: unknown } = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen = { auth: req.headers.authorization, body: JSON.parse(body) as unknown };
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'INPUT_INVALID', message: 'input /x.mp4 is outside the jobs input directory' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const p = followRestreamJob({
        server: `http://127.0.0.1:${port}`,
        token: 'tok',
        input: '/x.mp4',
        key: 'k',
        to: 'rtmp://h/app/s',
        json: false,
        io: io(),
        signal: new AbortController().signal,
      });
      await expect(p).rejects.toThrow(/refused the restream \(HTTP 400\): input \/x\.mp4 is outside the jobs input directory/);
      expect(seen).toEqual({ auth: 'Bearer tok', body: { type: 'restream', input: '/x.mp4', key: 'k', to: 'rtmp://h/app/s' } });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

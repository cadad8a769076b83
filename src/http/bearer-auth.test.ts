import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { HttpServer } from './http-server.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(apiToken: string, metricsToken: string): Promise<string> {
  server = new HttpServer({
    hlsRoot: mkdtempSync(path.join(os.tmpdir(), 'uprez-auth-')),
    streams: { list: () => [], get: () => undefined },
    metrics: createMetrics({ collectDefault: false }),
    readiness: () => ({ ready: true }),
    log: silentLogger,
    apiToken,
    metricsToken,
  });
  return `http://127.0.0.1:${await server.start(0, '127.0.0.1')}`;
}

describe('bearer tokens on /api and /metrics', () => {
  test('open when no token is configured', async () => {
    const base = await start('', '');
    expect((await fetch(`${base}/api/streams`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  test.each([
    [undefined, 401],
    ['Bearer wrong-token-0000000', 401],
    ['Basic dXNlcjpwYXNz', 401],
    ['Bearer api-token-0123456789', 200],
    ['bearer api-token-0123456789', 200],
  ])('/api with %s -> %i; /healthz and /hls stay open', async (auth, status) => {
    const base = await start('api-token-0123456789', 'metrics-token-0123456');
    const headers: Record<string, string> = auth ? { authorization: auth } : {};
    const res = await fetch(`${base}/api/streams`, { headers });
    expect(res.status).toBe(status);
    if (status === 401) {
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toEqual({ error: { code: 'HTTP_UNAUTHORIZED', message: 'api needs a bearer token' } });
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  test('/metrics has its own token', async () => {
    const base = await start('api-token-0123456789', 'metrics-token-0123456');
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer api-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('uprez_frames_total');
  });
});

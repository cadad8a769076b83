import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import type { StreamDirectory, StreamSnapshot } from '../stream/stream-snapshot.js';
import { HttpServer } from './http-server.js';
import { PLAYER_CSP, PLAYER_MODULES } from './player-route.js';
import type { HistoryBody } from './stream-history.js';
import { fakeSnapshot, framesOf } from '../../test/helpers/stream-snapshot.js';

function snapshot(key: string, out: number, model: number): StreamSnapshot {
  return fakeSnapshot(key, {
    startedAt: Date.now() - 5000,
    ...framesOf(out, model),
    fallbacks: { predicted_late: out - model, queue_full: 0, model_error: 0, no_model: 0, late_result: 0 },
    latencyMs: { p50: 12, p99: 31 },
    outputFps: 25,
  });
}

describe('dashboard page, player modules and /api/history on the HTTP server', () => {
  let server: HttpServer;
  let base = '';
  const streams: StreamDirectory = {
    list: () => [snapshot('cam', 100, 75)],
    get: (k) => (k === 'cam' ? snapshot('cam', 100, 75) : undefined),
  };

  beforeAll(async () => {
    server = new HttpServer({
      hlsRoot: '/nonexistent',
      streams,
      metrics: createMetrics({ collectDefault: false }),
      readiness: () => ({ ready: true }),
      log: silentLogger,
    });
    base = `http://127.0.0.1:${await server.start(0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves /dashboard as HTML under the player CSP, and every player module as JavaScript', async () => {
    for (const p of ['/dashboard', '/dashboard/']) {
      const res = await fetch(base + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(PLAYER_CSP);
      expect(await res.text()).toContain('<script type="module" src="/player/dashboard.js">');
    }
    for (const m of PLAYER_MODULES) {
      const res = await fetch(`${base}/player/${m}`);
      expect(res.status, m).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    // Only the allow-list goes out: the dashboard page is not also a file under /player.
    expect((await fetch(`${base}/player/dashboard.html`)).status).toBe(404);
  });

  it('/api/history has the streams sampled since start, filters by since, refuses a bad since', async () => {
    const res = await fetch(`${base}/api/history`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as HistoryBody;
    expect(body.intervalMs).toBe(2000);
    expect(body.windowMs).toBe(600_000);
    expect(body.streams['cam']?.[0]).toMatchObject({ p50: 12, p99: 31, aiShare: 0.75, fps: 25 });
    const later = (await (await fetch(`${base}/api/history?since=${body.now}`)).json()) as HistoryBody;
    expect(later.streams['cam']).toEqual([]);
    const bad = await fetch(`${base}/api/history?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('HTTP_BAD_QUERY');
  });
});

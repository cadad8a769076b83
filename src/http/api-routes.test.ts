import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { UprezError } from '../errors.js';
import type { ClusterListBody } from '../registry/cluster-view.js';
import type { StreamDirectory } from '../stream/stream-snapshot.js';
import { fakeSnapshot } from '../../test/helpers/stream-snapshot.js';
import { apiRoutes, type ClusterSource } from './api-routes.js';
import { errorHandler } from './json-errors.js';
import { silentLogger } from '../log/logger.js';

const local: StreamDirectory = { list: () => [fakeSnapshot('camB')], get: (k) => (k === 'camB' ? fakeSnapshot('camB') : undefined) };
const VIEW: ClusterListBody = {
  self: { id: 'two', url: 'http://10.0.0.2:8000' },
  cluster: [
    { key: 'camA', owner: { id: 'one', url: 'http://10.0.0.1:8000' }, local: false, epoch: 3, since: 1 },
    { key: 'camB', owner: { id: 'two', url: 'http://10.0.0.2:8000' }, local: true, epoch: 1, since: 2 },
  ],
};

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(cluster?: ClusterSource): Promise<string> {
  const app = express();
  app.use('/api', apiRoutes(local, undefined, cluster));
  app.use(errorHandler(silentLogger));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

describe('GET /api/streams?scope=', () => {
  it("local (the default) is this instance's streams; cluster adds the registry's list and self", async () => {
    const base = await serve(async () => VIEW);
    const plain = await fetch(`${base}/streams`);
    expect(await plain.json()).toEqual({ streams: [fakeSnapshot('camB')] });
    expect(await (await fetch(`${base}/streams?scope=local`)).json()).toEqual({ streams: [fakeSnapshot('camB')] });
    const all = await fetch(`${base}/streams?scope=cluster`);
    expect(all.status).toBe(200);
    expect(all.headers.get('cache-control')).toBe('no-store');
    expect(await all.json()).toEqual({ streams: [fakeSnapshot('camB')], ...VIEW });
  });

  it('answers 400 for an unknown scope and for cluster without a registry', async () => {
    const withRegistry = await serve(async () => VIEW);
    for (const q of ['scope=all', 'scope=', 'scope=cluster&scope=local']) {
      const r = await fetch(`${withRegistry}/streams?${q}`);
      expect(r.status, q).toBe(400);
      expect(await r.json(), q).toMatchObject({ error: { code: 'HTTP_BAD_QUERY' } });
    }
    for (const base of [await serve(), await serve(async () => null)]) {
      const r = await fetch(`${base}/streams?scope=cluster`);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/--registry/);
    }
  });

  it('answers 503 REGISTRY_UNAVAILABLE when the registry does not answer, 500 for anything else', async () => {
    const down = await serve(() =>
      Promise.reject(new UprezError('REGISTRY_UNAVAILABLE', 'registry redis://127.0.0.1:1 unreachable: ECONNREFUSED')),
    );
    const r = await fetch(`${down}/streams?scope=cluster`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({
      error: { code: 'REGISTRY_UNAVAILABLE', message: 'registry redis://127.0.0.1:1 unreachable: ECONNREFUSED' },
    });
    const broken = await serve(() => Promise.reject(new Error('bug')));
    expect((await fetch(`${broken}/streams?scope=cluster`)).status).toBe(500);
  });
});

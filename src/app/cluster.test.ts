import { describe, expect, it } from 'vitest';
import { parseServeConfig } from '../config/serve-config.js';
import { silentLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import type { LocalClusterHold } from '../stream/stream-manager.js';
import { Cluster } from './cluster.js';

const stream: ClusterStream = { key: 'cam', output: null, continueFrom: null, lease: null, onLost: () => () => {}, close: async () => {} };

function cluster(local: (key: string) => LocalClusterHold | null, flags: string[] = []): Cluster {
  return new Cluster({ cfg: parseServeConfig(flags, {}), log: silentLogger, metrics: createMetrics({ collectDefault: false }), local });
}

describe('Cluster.admit', () => {
  it('without --hls-origin and --registry admits every key, local only', async () => {
    const c = cluster(() => null);
    expect(c.enabled).toBe(false);
    expect(await c.admit('cam')).toEqual({ ok: true, cluster: null, fresh: false });
    expect(c.health()).toEqual({ ok: true });
    expect(await c.list()).toBeNull();
  });

  it("a key whose run here continues keeps that run's cluster stream (not fresh: a refused publish must not close it)", async () => {
    const c = cluster(() => ({ kind: 'live', stream }));
    expect(await c.admit('cam')).toEqual({ ok: true, cluster: stream, fresh: false });
  });

  it('a key whose run here is ending is admitted only once that run has ended', async () => {
    let ended!: () => void;
    let hold: LocalClusterHold | null = { kind: 'ending', ended: new Promise<void>((r) => (ended = r)) };
    const c = cluster(() => hold);
    let settled = false;
    const admitted = c.admit('cam').then((a) => {
      settled = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    hold = null;
    ended();
    expect(await admitted).toEqual({ ok: true, cluster: null, fresh: false });
  });

  it('with --hls-origin a new key gets a fresh origin output; closing it leaves the publisher usable', async () => {
    const c = cluster(() => null, ['--hls-origin', 'http://127.0.0.1:9/hls/', '--data-dir', '/tmp/uprez-cluster-unit']);
    expect(c.enabled).toBe(true);
    const a = await c.admit('cam');
    if (!a.ok) throw new Error('refused');
    expect(a.fresh).toBe(true);
    expect(a.cluster?.output).not.toBeNull();
    expect(a.cluster?.continueFrom).toBeNull();
    await a.cluster?.close();
    await c.close();
  });
});

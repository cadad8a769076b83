import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { OriginPublisher } from '../origin/origin-publisher.js';
import type { ContinuityState } from './continuity.js';
import { openClusterStream } from './cluster-stream.js';
import type { AcquireResult, LeaseLostReason, StreamLease, StreamRegistry } from './stream-registry.js';

const self = { id: 'two', url: 'http://two:8000' };
const previous: ContinuityState = {
  v: 1,
  key: 'cam',
  epoch: 6,
  instance: 'one',
  updatedAt: 1,
  master: null,
  renditions: {
    'v/index.m3u8': {
      playlist: 'v/index.m3u8',
      targetDuration: 2,
      mediaSequence: 9,
      discontinuitySequence: 0,
      segments: [{ uri: 'e6_00009.ts', duration: 2, discontinuity: false, map: null }],
      endList: false,
    },
  },
  retired: ['v/e6_00008.ts'],
};

function fakes(answer: AcquireResult | 'lease') {
  const events: string[] = [];
  const lost = new Set<(r: LeaseLostReason) => void>();
  const lease: StreamLease = {
    key: 'cam',
    epoch: 7,
    owner: self,
    lost: null,
    onLost: (l) => (lost.add(l), () => lost.delete(l)),
    release: async () => void events.push('release'),
    continuity: {
      load: async () => previous,
      save: async (_k, state) => void events.push(`save ${Object.keys(state.renditions).join(',')} epoch ${state.epoch}`),
    },
  };
  const registry: StreamRegistry = {
    self,
    acquire: async () => (answer === 'lease' ? { ok: true, lease } : answer),
    list: async () => [],
    health: () => ({ ok: true }),
    close: async () => {},
  };
  const origin = new OriginPublisher({
    url: 'http://origin/hls/',
    spoolDir: '/nonexistent',
    log: silentLogger,
    queue: { removeDelayMs: 1_000 },
    sink: {
      display: 'http://origin/hls/',
      put: async (p) => void events.push(`PUT ${p}`),
      delete: async (p) => void events.push(`DELETE ${p}`),
    },
  });
  return { registry, origin, events, loseLease: (r: LeaseLostReason) => lost.forEach((l) => l(r)) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('without a registry or an origin the stream is local only, as before', async () => {
  const r = await openClusterStream('cam', { log: silentLogger });
  if (!r.ok) throw new Error('refused');
  expect([r.stream.output, r.stream.lease, r.stream.continueFrom]).toEqual([null, null, null]);
  await r.stream.close();
});

test('a key leased elsewhere is refused as a duplicate, naming the owner; an unreachable registry fails closed', async () => {
  const leased = fakes({
    ok: false,
    reason: 'leased',
    holder: { key: 'cam', owner: { id: 'one', url: 'http://one:8000' }, epoch: 6, since: 0 },
  });
  expect(await openClusterStream('cam', { registry: leased.registry, origin: leased.origin, log: silentLogger })).toEqual({
    ok: false,
    refusal: 'duplicate',
    message: 'stream cam is live on one (http://one:8000)',
  });
  const down = fakes({ ok: false, reason: 'unavailable', message: 'registry redis://r:6379 unreachable' });
  expect(await openClusterStream('cam', { registry: down.registry, log: silentLogger })).toMatchObject({
    ok: false,
    refusal: 'registry_unavailable',
  });
});

test('taken over: the record to continue from, playlists committed to the record before they go up, retired files deleted, lease released after the last playlist', async () => {
  const f = fakes('lease');
  const r = await openClusterStream('cam', { registry: f.registry, origin: f.origin, log: silentLogger });
  if (!r.ok || !r.stream.output) throw new Error('not opened');
  expect(r.stream.continueFrom).toEqual(previous);
  r.stream.output.playlist('v/index.m3u8', '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:9\n#EXTINF:2,\ne6_00009.ts\n#EXT-X-ENDLIST\n');
  await vi.advanceTimersByTimeAsync(1_000);
  const closing = r.stream.close();
  await vi.advanceTimersByTimeAsync(100);
  await closing;
  expect(f.events).toEqual(['save v/index.m3u8 epoch 7', 'PUT cam/v/index.m3u8', 'DELETE cam/v/e6_00008.ts', 'release']);
});

import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import type { ContinuityState, StreamContinuity } from './continuity.js';
import { ContinuityRecorder } from './continuity-recorder.js';

const media = (seq: number, ...segs: string[]): string => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${seq}\n${segs.map((s) => `#EXTINF:2.0,\n${s}`).join('\n')}\n`;

function store(opts: { fenced?: boolean } = {}) {
  const saves: { at: number; state: ContinuityState }[] = [];
  const s: StreamContinuity = {
    load: async () => null,
    save: async (_key, state) => {
      await new Promise((r) => setTimeout(r, 50));
      if (opts.fenced) throw new UprezError('REGISTRY_FENCED', 'fenced', 'registry', false);
      saves.push({ at: Date.now(), state });
    },
  };
  return { s, saves };
}

/** settleFlush runs flush() while the fake clock lets the store's saves finish. */
async function settleFlush(r: ContinuityRecorder): Promise<void> {
  const done = r.flush();
  await vi.advanceTimersByTimeAsync(1_000);
  await done;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('visible playlists become the record: at most one save per interval, the newest state winning', async () => {
  const { s, saves } = store();
  const r = new ContinuityRecorder({ key: 'cam1', instance: 'i1', epoch: 4, store: s, log: silentLogger, minIntervalMs: 500 });
  const t0 = Date.now();
  r.visible('master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n');
  for (let i = 0; i < 20; i++) {
    r.visible('720p/index.m3u8', media(i, `s${i}.ts`, `s${i + 1}.ts`));
    await vi.advanceTimersByTimeAsync(100);
  }
  await settleFlush(r);
  expect(saves.length).toBeGreaterThanOrEqual(4);
  expect(saves.length).toBeLessThanOrEqual(5);
  for (let i = 1; i < saves.length; i++) expect((saves[i]?.at ?? 0) - (saves[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(500);
  const last = saves.at(-1)?.state;
  expect(last?.renditions['720p/index.m3u8']?.mediaSequence).toBe(19);
  expect(last).toMatchObject({ v: 1, key: 'cam1', epoch: 4, instance: 'i1', master: expect.stringContaining('720p/index.m3u8') });
  expect((saves[0]?.at ?? 0) - t0).toBeLessThan(100);
});

test('a predecessor record is the starting point; renditions are replaced as this instance makes its own visible', async () => {
  const { s, saves } = store();
  const initial: ContinuityState = {
    v: 1, key: 'cam1', epoch: 3, instance: 'old', updatedAt: 1, master: 'M',
    renditions: { 'a/index.m3u8': { playlist: 'a/index.m3u8', targetDuration: 2, mediaSequence: 5, discontinuitySequence: 0, segments: [], endList: false } },
  };
  const r = new ContinuityRecorder({ key: 'cam1', instance: 'new', epoch: 4, store: s, log: silentLogger, initial });
  r.visible('b/index.m3u8', media(1, 'x.ts'));
  await settleFlush(r);
  expect(Object.keys(saves.at(-1)?.state.renditions ?? {}).sort()).toEqual(['a/index.m3u8', 'b/index.m3u8']);
  expect(saves.at(-1)?.state.master).toBe('M');
});

test('a fenced save stops the recorder', async () => {
  const { s, saves } = store({ fenced: true });
  const r = new ContinuityRecorder({ key: 'cam1', instance: 'i1', epoch: 4, store: s, log: silentLogger, minIntervalMs: 10 });
  r.visible('v/index.m3u8', media(1, 'a.ts'));
  await vi.advanceTimersByTimeAsync(200);
  r.visible('v/index.m3u8', media(2, 'b.ts'));
  await vi.advanceTimersByTimeAsync(200);
  await settleFlush(r);
  expect(saves).toEqual([]);
});

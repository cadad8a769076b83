import { expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import type { ContinuityState, StreamContinuity } from './continuity.js';
import { ContinuityRecorder } from './continuity-recorder.js';

const media = (seq: number, ...segs: string[]): string =>
  `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${seq}\n${segs.map((s) => `#EXTINF:2.0,\n${s}`).join('\n')}\n`;

function store(answer: () => Error | null = () => null) {
  const saves: ContinuityState[] = [];
  const s: StreamContinuity = {
    load: async () => null,
    save: async (_key, state) => {
      const err = answer();
      if (err) throw err;
      saves.push(state);
    },
  };
  return { s, saves };
}

test('every committed version is in the record saved before the commit answers', async () => {
  const { s, saves } = store();
  const r = new ContinuityRecorder({ key: 'cam1', instance: 'i1', epoch: 4, store: s, log: silentLogger });
  expect(await r.commit('master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n')).toBe(true);
  for (let i = 0; i < 5; i++) expect(await r.commit('720p/index.m3u8', media(i, `s${i}.ts`, `s${i + 1}.ts`))).toBe(true);
  expect(await r.commit('360p/index.m3u8', media(7, 'x.ts'))).toBe(true);
  expect(saves).toHaveLength(7);
  expect(saves[5]?.renditions['720p/index.m3u8']?.mediaSequence).toBe(4);
  const last = saves.at(-1);
  expect(last).toMatchObject({ v: 1, key: 'cam1', epoch: 4, instance: 'i1', master: expect.stringContaining('720p/index.m3u8') });
  expect(Object.keys(last?.renditions ?? {}).sort()).toEqual(['360p/index.m3u8', '720p/index.m3u8']);
  expect(last?.renditions['720p/index.m3u8']?.segments.map((x) => x.uri)).toEqual(['s4.ts', 's5.ts']);
  // What left the window is remembered, for a successor to delete at the origin.
  expect(last?.retired).toEqual(['720p/s0.ts', '720p/s1.ts', '720p/s2.ts', '720p/s3.ts']);
});

test('a predecessor record is the starting point; renditions are replaced as this instance commits its own', async () => {
  const { s, saves } = store();
  const initial: ContinuityState = {
    v: 1,
    key: 'cam1',
    epoch: 3,
    instance: 'old',
    updatedAt: 1,
    master: 'M',
    renditions: {
      'a/index.m3u8': {
        playlist: 'a/index.m3u8',
        targetDuration: 2,
        mediaSequence: 5,
        discontinuitySequence: 0,
        segments: [],
        endList: false,
      },
    },
    retired: ['a/old.ts'],
  };
  const r = new ContinuityRecorder({ key: 'cam1', instance: 'new', epoch: 4, store: s, log: silentLogger, initial });
  await r.commit('b/index.m3u8', media(1, 'x.ts'));
  expect(Object.keys(saves.at(-1)?.renditions ?? {}).sort()).toEqual(['a/index.m3u8', 'b/index.m3u8']);
  expect(saves.at(-1)).toMatchObject({ master: 'M', epoch: 4, instance: 'new', retired: ['a/old.ts'] });
});

test('fenced: false from then on; the registry unreachable: a rejection (try again later)', async () => {
  let answer: Error | null = new Error('connect ECONNREFUSED');
  const { s, saves } = store(() => answer);
  const r = new ContinuityRecorder({ key: 'cam1', instance: 'i1', epoch: 4, store: s, log: silentLogger });
  await expect(r.commit('v/index.m3u8', media(1, 'a.ts'))).rejects.toThrow('ECONNREFUSED');
  answer = null;
  expect(await r.commit('v/index.m3u8', media(1, 'a.ts'))).toBe(true);
  answer = new UprezError('REGISTRY_FENCED', 'owned elsewhere');
  expect(await r.commit('v/index.m3u8', media(2, 'b.ts'))).toBe(false);
  answer = null;
  expect(await r.commit('v/index.m3u8', media(3, 'c.ts'))).toBe(false);
  expect(saves).toHaveLength(1);
});

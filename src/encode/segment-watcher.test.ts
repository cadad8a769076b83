import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SegmentWatcher } from './segment-watcher.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'uprez-segwatch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function playlist(seq: number, names: string[], end = false): string {
  return (
    ['#EXTM3U', `#EXT-X-MEDIA-SEQUENCE:${seq}`, ...names.flatMap((n) => ['#EXTINF:2.0,', n]), ...(end ? ['#EXT-X-ENDLIST'] : [])].join(
      '\n',
    ) + '\n'
  );
}

describe('SegmentWatcher', () => {
  test('reports each segment once per rung, across a sliding window, and after close', async () => {
    const dir = path.join(root, 'a');
    for (const r of ['720p', '360p']) mkdirSync(path.join(dir, r), { recursive: true });
    const seen: string[] = [];
    const w = new SegmentWatcher({
      outDir: dir,
      rungs: ['720p', '360p'],
      onSegment: (rung, file) => seen.push(`${rung}:${path.relative(dir, file)}`),
    });
    await w.scan(); // nothing written yet
    writeFileSync(path.join(dir, '720p', 'index.m3u8'), playlist(0, ['seg_00000.ts', 'seg_00001.ts']));
    await w.scan();
    await w.scan();
    writeFileSync(path.join(dir, '720p', 'index.m3u8'), playlist(1, ['seg_00001.ts', 'seg_00002.ts']));
    writeFileSync(path.join(dir, '360p', 'index.m3u8'), playlist(0, ['seg_00000.ts'], true));
    await w.close();
    expect(seen).toEqual(['720p:720p/seg_00000.ts', '720p:720p/seg_00001.ts', '720p:720p/seg_00002.ts', '360p:360p/seg_00000.ts']);
  });

  test('concurrent scans share one pass (no double reports)', async () => {
    const dir = path.join(root, 'b');
    mkdirSync(path.join(dir, 'r'), { recursive: true });
    writeFileSync(path.join(dir, 'r', 'index.m3u8'), playlist(0, ['s0.ts', 's1.ts']));
    let n = 0;
    const w = new SegmentWatcher({ outDir: dir, rungs: ['r'], onSegment: () => n++ });
    await Promise.all([w.scan(), w.scan(), w.scan()]);
    await w.close();
    expect(n).toBe(2);
  });

  test('reads the named playlist and gives each segment its duration; a scan asked for during one runs again after it', async () => {
    const dir = path.join(root, 'c');
    mkdirSync(path.join(dir, 'r'), { recursive: true });
    const file = path.join(dir, 'r', 'private.m3u8');
    writeFileSync(file, ['#EXTM3U', '#EXT-X-MEDIA-SEQUENCE:0', '#EXTINF:2.5,', 's0.ts', ''].join('\n'));
    writeFileSync(path.join(dir, 'r', 'index.m3u8'), playlist(0, ['other.ts']));
    const seen: string[] = [];
    let again: Promise<void> | null = null;
    const w = new SegmentWatcher({
      outDir: dir,
      rungs: ['r'],
      playlist: 'private.m3u8',
      onSegment: (_rung, f, d) => {
        seen.push(`${path.basename(f)}:${d}`);
        if (again) return;
        // A new segment lands while this pass is under way (it has read the playlist already).
        writeFileSync(file, ['#EXTM3U', '#EXT-X-MEDIA-SEQUENCE:0', '#EXTINF:2.5,', 's0.ts', '#EXTINF:1.5,', 's1.ts', ''].join('\n'));
        again = w.scan();
      },
    });
    await w.scan();
    await again;
    expect(seen).toEqual(['s0.ts:2.5', 's1.ts:1.5']);
    await w.close();
  });
});

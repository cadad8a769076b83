import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { appendEndList, lastSequence, sweepSegments } from './live-playlists.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'uprez-pl-'));
  dirs.push(d);
  return d;
}

function playlist(first: number, count: number, extra = ''): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (let i = 0; i < count; i++) lines.push('#EXTINF:2.000000,', `seg_${String(first + i).padStart(5, '0')}.ts`);
  return `${lines.join('\n')}\n${extra}`;
}

describe('appendEndList', () => {
  test('ends an open playlist once, atomically, and leaves no temp file', () => {
    const d = tmp();
    const p = path.join(d, 'index.m3u8');
    writeFileSync(p, playlist(3, 2));
    expect(appendEndList(p)).toBe(true);
    expect(readFileSync(p, 'utf8')).toBe(`${playlist(3, 2)}#EXT-X-ENDLIST\n`);
    expect(appendEndList(p)).toBe(false);
    expect(readFileSync(p, 'utf8').match(/ENDLIST/g)).toHaveLength(1);
    expect(readdirSync(d)).toEqual(['index.m3u8']);
  });

  test('a playlist without a final newline still gets ENDLIST on its own line; a missing one is left alone', () => {
    const d = tmp();
    const p = path.join(d, 'index.m3u8');
    writeFileSync(p, playlist(0, 1).trimEnd());
    appendEndList(p);
    expect(readFileSync(p, 'utf8').endsWith('seg_00000.ts\n#EXT-X-ENDLIST\n')).toBe(true);
    expect(appendEndList(path.join(d, 'none.m3u8'))).toBe(false);
    expect(existsSync(path.join(d, 'none.m3u8'))).toBe(false);
  });
});

describe('lastSequence', () => {
  test('is the sequence of the last listed segment, -1 when none or unreadable', () => {
    const d = tmp();
    const p = path.join(d, 'index.m3u8');
    writeFileSync(p, playlist(7, 3));
    expect(lastSequence(p)).toBe(9);
    writeFileSync(p, playlist(7, 0));
    expect(lastSequence(p)).toBe(-1);
    expect(lastSequence(path.join(d, 'missing.m3u8'))).toBe(-1);
  });
});

describe('sweepSegments', () => {
  test('removes segments older than the window minus keepBehind, keeps listed ones and other files', () => {
    const d = tmp();
    const p = path.join(d, 'index.m3u8');
    writeFileSync(p, playlist(10, 3));
    for (const n of [1, 2, 7, 8, 9, 10, 11, 12, 13]) writeFileSync(path.join(d, `seg_${String(n).padStart(5, '0')}.ts`), 'x');
    writeFileSync(path.join(d, 'seg_00013.ts.tmp'), 'x'); // being written by ffmpeg
    expect(sweepSegments(d, p, 2)).toBe(3);
    expect(readdirSync(d).sort()).toEqual([
      'index.m3u8',
      'seg_00008.ts',
      'seg_00009.ts',
      'seg_00010.ts',
      'seg_00011.ts',
      'seg_00012.ts',
      'seg_00013.ts',
      'seg_00013.ts.tmp',
    ]);
  });

  test('an empty or missing playlist removes nothing', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'seg_00001.ts'), 'x');
    expect(sweepSegments(d, path.join(d, 'index.m3u8'))).toBe(0);
    writeFileSync(path.join(d, 'index.m3u8'), playlist(5, 0));
    expect(sweepSegments(d, path.join(d, 'index.m3u8'))).toBe(0);
    expect(readdirSync(d)).toContain('seg_00001.ts');
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { endOpenPlaylist, recoverHlsRoot } from './hls-recovery.js';
import type { MediaPlaylistModel } from './playlist-model.js';
import { renderMediaPlaylist } from './playlist-render.js';

const part = (k: number) => ({ uri: `r_p${k}.m4s`, duration: 0.24, independent: k === 0 });
const LL: MediaPlaylistModel = {
  targetDuration: 2,
  mediaSequence: 3,
  discontinuitySequence: 1,
  segments: [
    { msn: 3, uri: 'r_3.m4s', duration: 2, programDateTime: 0, discontinuity: false, map: 'i.mp4', bytes: 1, parts: [part(0), part(1)] },
  ],
  lowLatency: {
    partTarget: 0.24,
    partHoldBack: 0.72,
    pending: { parts: [part(2)], programDateTime: 2000, discontinuity: false, map: 'i.mp4' },
    preloadHint: 'r_p3.m4s',
    partSegments: 2,
  },
  endList: false,
};

describe('endOpenPlaylist', () => {
  test('ends an LL-HLS playlist at its last complete segment: no parts, no hint, no unfinished segment', () => {
    expect(endOpenPlaylist(renderMediaPlaylist(LL))).toBe(renderMediaPlaylist({ ...LL, endList: true }));
  });

  test('an ended playlist is left alone; one with no segment keeps its header only', () => {
    expect(endOpenPlaylist(renderMediaPlaylist({ ...LL, endList: true }))).toBeNull();
    const none = renderMediaPlaylist({ ...LL, segments: [] });
    expect(endOpenPlaylist(none)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.72\n#EXT-X-PART-INF:PART-TARGET=0.24\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-ENDLIST\n',
    );
  });
});

describe('recoverHlsRoot', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  test('ends open playlists, deletes private and temp files, touches no link and no FIFO, lists the keys', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uprez-recover-'));
    const outside = mkdtempSync(path.join(os.tmpdir(), 'uprez-recover-out-'));
    dirs.push(root, outside);
    const rung = path.join(root, 'cam1', '360p');
    mkdirSync(rung, { recursive: true });
    writeFileSync(path.join(rung, 'index.m3u8'), renderMediaPlaylist(LL));
    writeFileSync(path.join(rung, 'ffmpeg.m3u8.private'), 'x');
    writeFileSync(path.join(rung, 'r_4.m4s.tmp'), 'x');
    writeFileSync(path.join(rung, 'r_3.m4s'), 'media');
    mkdirSync(path.join(root, 'cam2', '180p'), { recursive: true });
    const ended = renderMediaPlaylist({ ...LL, endList: true });
    writeFileSync(path.join(root, 'cam2', '180p', 'index.m3u8'), ended);
    // A link to a playlist elsewhere and a FIFO named like a playlist: neither is touched.
    const foreign = path.join(outside, 'index.m3u8');
    writeFileSync(foreign, renderMediaPlaylist(LL));
    mkdirSync(path.join(root, 'cam3', 'x'), { recursive: true });
    symlinkSync(foreign, path.join(root, 'cam3', 'x', 'index.m3u8'));
    mkdirSync(path.join(root, 'cam4', 'y'), { recursive: true });
    execFileSync('mkfifo', [path.join(root, 'cam4', 'y', 'index.m3u8')]);
    symlinkSync(outside, path.join(root, 'linked'));
    writeFileSync(path.join(root, '.write-test-1'), 'x');

    const keys = await recoverHlsRoot(root, silentLogger);
    expect(keys.sort()).toEqual(['cam1', 'cam2', 'cam3', 'cam4']);
    expect(readFileSync(path.join(rung, 'index.m3u8'), 'utf8')).toBe(ended);
    expect(existsSync(path.join(rung, 'ffmpeg.m3u8.private'))).toBe(false);
    expect(existsSync(path.join(rung, 'r_4.m4s.tmp'))).toBe(false);
    expect(existsSync(path.join(rung, 'r_3.m4s'))).toBe(true);
    expect(readFileSync(path.join(root, 'cam2', '180p', 'index.m3u8'), 'utf8')).toBe(ended);
    expect(readFileSync(foreign, 'utf8')).toBe(renderMediaPlaylist(LL));
  });

  test('a missing root is no error', async () => {
    expect(await recoverHlsRoot(path.join(os.tmpdir(), 'uprez-no-such-dir-x'), silentLogger)).toEqual([]);
  });
});

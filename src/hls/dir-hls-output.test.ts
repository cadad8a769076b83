import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { checkRelPath, DirHlsOutput } from './dir-hls-output.js';
import { HlsChanges } from './hls-changes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("playlists are written atomically (no temp file left), removals delete, each change wakes the directory's waiters", async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uprez-dirout-'));
  dirs.push(root);
  const changes = new HlsChanges();
  const out = new DirHlsOutput(root, silentLogger, changes);
  const woken = changes.wait(path.join(root, '360p'), 1_000);
  out.playlist('360p/index.m3u8', '#EXTM3U\n');
  expect(await woken).toBe(true);
  expect(readFileSync(path.join(root, '360p', 'index.m3u8'), 'utf8')).toBe('#EXTM3U\n');
  expect(readdirSync(path.join(root, '360p'))).toEqual(['index.m3u8']);
  writeFileSync(path.join(root, '360p', 'a_1.m4s'), 'x');
  out.file('360p/a_1.m4s', path.join(root, '360p', 'a_1.m4s'), 'segment');
  expect(() => out.file('360p/a_1.m4s', '/elsewhere/a_1.m4s', 'segment')).toThrow(/is not/);
  out.remove('360p/a_1.m4s');
  expect(existsSync(path.join(root, '360p', 'a_1.m4s'))).toBe(false);
  await out.close();
  out.playlist('360p/index.m3u8', 'after close');
  expect(readFileSync(path.join(root, '360p', 'index.m3u8'), 'utf8')).toBe('#EXTM3U\n');
});

test.each(['', '../x.m3u8', '/abs.m3u8', 'a//b.ts', 'a/./b.ts', 'a\\b.ts', 'a/../../b.ts'])('refuses the relative path %j', (rel) => {
  expect(() => checkRelPath(rel)).toThrow(/invalid HLS path/);
});

test('a waiter times out, or ends when its request is aborted, and leaves nothing behind', async () => {
  const changes = new HlsChanges();
  expect(await changes.wait('/d', 20)).toBe(false);
  const ac = new AbortController();
  const p = changes.wait('/d', 10_000, ac.signal);
  expect(changes.waiting).toBe(1);
  ac.abort();
  expect(await p).toBe(false);
  expect(changes.waiting).toBe(0);
});

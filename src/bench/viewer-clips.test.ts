import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { discoverClips, pickClips } from './viewer-clips.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('viewer clips', () => {
  test('each video file is a clip; each folder of videos is one clip of its files in name order', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'uprez-clips-'));
    for (const f of ['car-detection.mp4', 'bottle-detection.mp4', 'README.md']) writeFileSync(path.join(dir, f), '');
    mkdirSync(path.join(dir, 'asl'));
    for (const f of ['want.mkv', 'again.mkv', 'notes.txt']) writeFileSync(path.join(dir, 'asl', f), '');
    mkdirSync(path.join(dir, 'empty'));
    const clips = discoverClips(dir);
    expect(clips).toEqual([
      { name: 'asl', files: [path.join(dir, 'asl', 'again.mkv'), path.join(dir, 'asl', 'want.mkv')] },
      { name: 'bottle-detection', files: [path.join(dir, 'bottle-detection.mp4')] },
      { name: 'car-detection', files: [path.join(dir, 'car-detection.mp4')] },
    ]);
    expect(pickClips(clips ?? [], ['car-detection', 'asl']).map((c) => c.name)).toEqual(['asl', 'car-detection']);
    expect(pickClips(clips ?? [], null)).toHaveLength(3);
    expect(() => pickClips(clips ?? [], ['boat'])).toThrow(/no clip "boat" \(found: asl, bottle-detection, car-detection\)/);
  });

  test('a missing folder is null (the benchmark skips with a message)', () => {
    expect(discoverClips(path.join(tmpdir(), 'uprez-no-such-dir-4711'))).toBeNull();
  });
});

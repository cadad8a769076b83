import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { resolveFfmpegBinaries } from './binaries.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'uprez-binaries-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** dir makes a directory under root holding fake executables (mode 755) and plain files (644). */
function dir(name: string, exec: string[], plain: string[] = []): string {
  const d = path.join(root, name);
  mkdirSync(d, { recursive: true });
  for (const f of exec) {
    writeFileSync(path.join(d, f), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(d, f), 0o755);
  }
  for (const f of plain) writeFileSync(path.join(d, f), 'not a program');
  return d;
}

const both = dir('both', ['ffmpeg', 'ffprobe']);
const onlyFfmpeg = dir('only-ffmpeg', ['ffmpeg']);
const onlyProbe = dir('only-ffprobe', ['ffprobe']);
const notExec = dir('not-exec', [], ['ffmpeg', 'ffprobe']);
const custom = dir('custom', ['ffmpeg', 'ffprobe']);
const customNoProbe = dir('custom-no-probe', ['ffmpeg']);
const empty = dir('empty', []);

function thrown(fn: () => unknown): UprezError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UprezError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

const INSTALL =
  'Install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH to the binaries.';

describe.runIf(process.platform !== 'win32')('resolveFfmpegBinaries', () => {
  test.each([
    ['both on PATH', { PATH: both }, { ffmpeg: `${both}/ffmpeg`, ffprobe: `${both}/ffprobe` }],
    [
      'first PATH entry that has each wins',
      { PATH: [onlyFfmpeg, empty, both].join(':') },
      { ffmpeg: `${onlyFfmpeg}/ffmpeg`, ffprobe: `${both}/ffprobe` },
    ],
    ['non-executable files are skipped', { PATH: [notExec, both].join(':') }, { ffmpeg: `${both}/ffmpeg`, ffprobe: `${both}/ffprobe` }],
    [
      'relative and empty PATH entries are ignored',
      { PATH: ['', '.', 'relative', both].join(':') },
      { ffmpeg: `${both}/ffmpeg`, ffprobe: `${both}/ffprobe` },
    ],
    [
      'explicit variables win over PATH',
      { PATH: both, FFMPEG_PATH: `${custom}/ffmpeg`, FFPROBE_PATH: `${custom}/ffprobe` },
      { ffmpeg: `${custom}/ffmpeg`, ffprobe: `${custom}/ffprobe` },
    ],
    [
      'FFMPEG_PATH alone pairs with the ffprobe beside it',
      { PATH: both, FFMPEG_PATH: `${custom}/ffmpeg` },
      { ffmpeg: `${custom}/ffmpeg`, ffprobe: `${custom}/ffprobe` },
    ],
    [
      'FFMPEG_PATH alone falls back to PATH for ffprobe',
      { PATH: both, FFMPEG_PATH: `${customNoProbe}/ffmpeg` },
      { ffmpeg: `${customNoProbe}/ffmpeg`, ffprobe: `${both}/ffprobe` },
    ],
    [
      'blank variables count as unset',
      { PATH: both, FFMPEG_PATH: ' ', FFPROBE_PATH: '' },
      { ffmpeg: `${both}/ffmpeg`, ffprobe: `${both}/ffprobe` },
    ],
  ])('%s', (_name, env, want) => {
    expect(resolveFfmpegBinaries(env)).toEqual(want);
  });

  test('no ffmpeg anywhere: says exactly what to install', () => {
    const err = thrown(() => resolveFfmpegBinaries({ PATH: [empty, onlyProbe].join(':') }));
    expect(err.code).toBe('FFMPEG_NOT_FOUND');
    expect(err.stage).toBe('ffmpeg');
    expect(err.message).toBe(`ffmpeg was not found on PATH. ${INSTALL}`);
  });

  test('ffmpeg but no ffprobe: names ffprobe', () => {
    const err = thrown(() => resolveFfmpegBinaries({ PATH: onlyFfmpeg }));
    expect(err.code).toBe('FFPROBE_NOT_FOUND');
    expect(err.message).toBe(`ffprobe was not found on PATH. ${INSTALL}`);
  });

  test('missing PATH variable behaves like an empty PATH', () => {
    expect(thrown(() => resolveFfmpegBinaries({})).code).toBe('FFMPEG_NOT_FOUND');
  });

  test.each([
    ['FFMPEG_PATH', { PATH: both, FFMPEG_PATH: `${empty}/nope` }, `${empty}/nope`, 'no file exists there', 'FFMPEG_NOT_FOUND'],
    ['FFMPEG_PATH', { PATH: both, FFMPEG_PATH: `${notExec}/ffmpeg` }, `${notExec}/ffmpeg`, 'not executable', 'FFMPEG_NOT_FOUND'],
    ['FFMPEG_PATH', { PATH: both, FFMPEG_PATH: empty }, empty, 'not a file', 'FFMPEG_NOT_FOUND'],
    ['FFPROBE_PATH', { PATH: both, FFPROBE_PATH: `${empty}/nope` }, `${empty}/nope`, 'no file exists there', 'FFPROBE_NOT_FOUND'],
  ])('a bad %s names the variable, the path and the problem (%s)', (variable, env, p, problem, code) => {
    const err = thrown(() => resolveFfmpegBinaries(env));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`${variable} is set to ${p}`);
    expect(err.message).toContain(problem);
  });

  test('a relative FFMPEG_PATH is made absolute', () => {
    const rel = path.relative(process.cwd(), `${custom}/ffmpeg`);
    expect(resolveFfmpegBinaries({ PATH: both, FFMPEG_PATH: rel }).ffmpeg).toBe(`${custom}/ffmpeg`);
  });
});

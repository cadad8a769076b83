import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { captureIo as fakeIo } from '../../test/helpers/capture-io.js';
import { main } from './dispatch.js';

describe('uprez CLI dispatch', () => {
  test('no command prints usage and fails; --help succeeds', async () => {
    const io = fakeIo();
    expect(await main([], io)).toBe(1);
    expect(io.out()).toMatch(/Usage: uprez <command>/);
    expect(await main(['--help'], fakeIo())).toBe(0);
  });

  test('an unknown command is one clear line', async () => {
    const io = fakeIo();
    expect(await main(['frobnicate'], io)).toBe(1);
    expect(io.err()).toMatch(/unknown command "frobnicate"/);
  });

  test('version comes from package.json', async () => {
    const io = fakeIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out()).toMatch(/^uprez \d+\.\d+\.\d+/);
  });

  test('serve with no ffmpeg stops at once and says what to install', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'uprez-nopath-'));
    const io = fakeIo({ PATH: empty, UPREZ_DATA_DIR: path.join(empty, 'data'), UPREZ_RTMP_PORT: '0', UPREZ_HTTP_PORT: '0' });
    expect(await main(['serve'], io)).toBe(1);
    expect(io.err()).toMatch(/ffmpeg was not found/);
    expect(io.err()).toMatch(/apt-get install ffmpeg/);
    expect(io.err()).toMatch(/FFMPEG_PATH/);
    expect(io.err().split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('serve with a bad option names it', async () => {
    const io = fakeIo();
    expect(await main(['serve', '--scale', '3'], io)).toBe(1);
    expect(io.err()).toBe('uprez serve: --scale must be one of 2, 4, got "3"\n');
  });
});

describe('uprez sign', () => {
  test('prints a URL the ingest accepts, and needs the secret', async () => {
    const { authorizePublish } = await import('../ingest/publish-auth.js');
    const io = fakeIo({ UPREZ_PUBLISH_SECRET: '0123456789abcdef-secret' });
    expect(await main(['sign', 'cam', '--ttl', '60'], io)).toBe(0);
    const url = new URL(
      io
        .out()
        .trim()
        .replace(/^rtmp:/, 'http:'),
    );
    expect(url.pathname).toBe('/live/cam');
    const q = Object.fromEntries(url.searchParams);
    expect(authorizePublish({ mode: 'hmac', secret: '0123456789abcdef-secret' }, 'cam', q, Date.now() / 1000)).toEqual({ ok: true });
    const none = fakeIo();
    expect(await main(['sign', 'cam'], none)).toBe(1);
    expect(none.err()).toMatch(/UPREZ_PUBLISH_SECRET is not set/);
  });
});

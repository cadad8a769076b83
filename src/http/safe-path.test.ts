import { describe, expect, it } from 'vitest';
import { parseHlsPath } from './safe-path.js';

describe('parseHlsPath accepts plain HLS files', () => {
  it.each([
    ['/abc/master.m3u8', 'abc', ['master.m3u8'], 'application/vnd.apple.mpegurl', 'playlist'],
    ['/abc/1280x720/index.m3u8', 'abc', ['1280x720', 'index.m3u8'], 'application/vnd.apple.mpegurl', 'playlist'],
    ['/abc/1280x720/index.m3u8?_HLS_msn=3&_HLS_part=1', 'abc', ['1280x720', 'index.m3u8'], 'application/vnd.apple.mpegurl', 'playlist'],
    ['/my_Key-1/720p/seg_00001.ts', 'my_Key-1', ['720p', 'seg_00001.ts'], 'video/mp2t', 'segment'],
    ['/k/v0/chunk-3.m4s', 'k', ['v0', 'chunk-3.m4s'], 'video/iso.segment', 'segment'],
    ['/k/v0/init.mp4', 'k', ['v0', 'init.mp4'], 'video/mp4', 'init'],
    ['/k/SEG.TS', 'k', ['SEG.TS'], 'video/mp2t', 'segment'],
    ['/k/a.b.c.ts', 'k', ['a.b.c.ts'], 'video/mp2t', 'segment'],
    ['/k/a/b/c/d.ts', 'k', ['a', 'b', 'c', 'd.ts'], 'video/mp2t', 'segment'],
    [`/${'k'.repeat(64)}/${'s'.repeat(125)}.ts`, 'k'.repeat(64), [`${'s'.repeat(125)}.ts`], 'video/mp2t', 'segment'],
  ])('%s', (raw, key, segments, contentType, kind) => {
    expect(parseHlsPath(raw)).toEqual({ ok: true, key, segments, contentType, kind });
  });
});

describe('parseHlsPath refuses anything that could escape or is not HLS', () => {
  it.each([
    // traversal, plain and encoded
    ['/../etc/passwd', 400],
    ['/abc/../../etc/passwd.ts', 400],
    ['/abc/..', 400],
    ['/abc/x/../master.m3u8', 400],
    ['/abc/..master.m3u8', 400],
    ['/abc/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/abc/%2E%2E%2Fetc%2Fpasswd.ts', 400],
    ['/abc/.%2e/x.ts', 400],
    ['/abc/%252e%252e/x.ts', 400],
    // encoded and literal separators
    ['/abc%2f..%2f..%2fetc/x.ts', 400],
    ['/abc/..%5c..%5cwin.ts', 400],
    ['/abc/..\\..\\x.ts', 400],
    ['/abc\\x.ts', 400],
    // absolute paths and empty segments
    ['//etc/passwd', 400],
    ['/abc//etc/x.ts', 400],
    ['/abc/', 400],
    ['abc/master.m3u8', 400],
    ['', 400],
    ['/abc/C:/x.ts', 400],
    // NUL, raw and encoded
    ['/abc/master.m3u8%00.ts', 400],
    ['/abc/master.m3u8\0.ts', 400],
    // hidden files and odd characters
    ['/abc/.hidden.ts', 400],
    ['/abc/.m3u8', 400],
    ['/abc/seg 1.ts', 400],
    ['/abc/seg~1.ts', 400],
    ['/abc/séance.ts', 400],
    ['/abc/a:b.ts', 400],
    // bad keys
    ['/a.b/master.m3u8', 400],
    ['/../master.m3u8', 400],
    [`/${'k'.repeat(65)}/master.m3u8`, 400],
    ['/abc', 400],
    // too long or too deep
    [`/k/${'s'.repeat(126)}.ts`, 400],
    ['/k/a/b/c/d/e.ts', 400],
    // not a served type
    ['/abc/secret.key', 404],
    ['/abc/index.html', 404],
    ['/abc/noext', 404],
    ['/abc/master.m3u8.bak', 404],
    ['/abc/dir/', 400],
  ])('%j -> %i', (raw, status) => {
    const r = parseHlsPath(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status).toBe(status);
      expect(r.code).toBe(status === 400 ? 'HTTP_BAD_PATH' : 'HTTP_NOT_FOUND');
      expect(r.reason.length).toBeGreaterThan(0);
    }
  });
});

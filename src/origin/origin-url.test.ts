import { describe, expect, test } from 'vitest';
import { UprezError } from '../errors.js';
import { parseOriginUrl, redactUrl } from './origin-url.js';

describe('parseOriginUrl', () => {
  test.each([
    ['http://origin:8080/hls', 'http://origin:8080/hls/'],
    ['https://cdn.example.com/ingest/live/', 'https://cdn.example.com/ingest/live/'],
    ['http://127.0.0.1:9000', 'http://127.0.0.1:9000/'],
    ['  http://[::1]:81/a  ', 'http://[::1]:81/a/'],
  ])('%s is accepted as %s', (raw, base) => {
    const t = parseOriginUrl(raw, '--hls-origin');
    expect(t.base.toString()).toBe(base);
    expect(t.authorization).toBeUndefined();
    expect(t.display).toBe(base);
  });

  test.each([
    ['ftp://origin/hls', /http:\/\/ or https:\/\//],
    ['file:///srv/hls', /http:\/\/ or https:\/\//],
    ['origin:8080/hls', /http:\/\/ or https:\/\//],
    ['not a url', /http:\/\/ or https:\/\//],
    ['http://origin/hls?token=x', /query or fragment/],
    ['http://origin/hls#x', /query or fragment/],
  ])('%s is refused', (raw, why) => {
    expect(() => parseOriginUrl(raw, '--hls-origin')).toThrow(why);
    try {
      parseOriginUrl(raw, '--hls-origin');
    } catch (err) {
      expect(err).toBeInstanceOf(UprezError);
      expect((err as UprezError).code).toBe('CONFIG_INVALID');
      expect((err as UprezError).message).toMatch(/^--hls-origin /);
    }
  });

  test('credentials become a Basic header and appear nowhere printable', () => {
    const t = parseOriginUrl('https://uploader:s%40cret-pw@origin.example/hls', 'UPREZ_HLS_ORIGIN');
    expect(t.authorization).toBe(`Basic ${Buffer.from('uploader:s@cret-pw').toString('base64')}`);
    expect(t.base.toString()).toBe('https://origin.example/hls/');
    expect(t.display).toBe('https://***@origin.example/hls/');
    for (const s of [t.display, t.base.toString(), JSON.stringify(t)]) expect(s).not.toMatch(/cret|uploader/);
  });

  test('a refused URL with credentials does not echo them', () => {
    expect(() => parseOriginUrl('ftp://user:hunter2@origin/x', 'UPREZ_HLS_ORIGIN')).toThrow(/^UPREZ_HLS_ORIGIN .*ftp:\/\/\*\*\*@origin\/x/);
    expect(() => parseOriginUrl('http://user:hunter2@origin/x?y', 'UPREZ_HLS_ORIGIN')).not.toThrow(/hunter2/);
  });

  test('redactUrl', () => {
    expect(redactUrl('redis://:pw@h:1/0')).toBe('redis://***@h:1/0');
    expect(redactUrl('http://h/x')).toBe('http://h/x');
    expect(redactUrl('::')).toBe('(invalid URL)');
  });
});

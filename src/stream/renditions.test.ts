import { expect, test } from 'vitest';
import { parseMasterPlaylist } from './renditions.js';

test('reads each variant with its size, bandwidth and playlist URL', () => {
  const text = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    '#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
    '1280x720/index.m3u8',
    '',
    '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"',
    '640x360/index.m3u8',
  ].join('\n');
  expect(parseMasterPlaylist(text, '/hls/k')).toEqual([
    { name: '1280x720', width: 1280, height: 720, bandwidth: 2500000, playlist: '/hls/k/1280x720/index.m3u8' },
    { name: '640x360', width: 640, height: 360, bandwidth: 800000, playlist: '/hls/k/640x360/index.m3u8' },
  ]);
});

test('an empty or partial playlist gives no variants', () => {
  expect(parseMasterPlaylist('', '/hls/k')).toEqual([]);
  expect(parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', '/hls/k')).toEqual([]);
});

import { describe, expect, test } from 'vitest';
import { ffmpegInput } from '../ffmpeg/ffmpeg-input.js';
import { mp4MuxArgs, parseSubtitleStreams, subtitleExtractArgs } from './vod-ffmpeg-args.js';

describe('VOD ffmpeg arguments', () => {
  test('paths go behind file: and absolute, URLs stay', () => {
    expect(ffmpegInput('/a/-b.mp4')).toBe('file:/a/-b.mp4');
    expect(ffmpegInput('https://h/a.mp4')).toBe('https://h/a.mp4');
  });
  test('MP4: video and audio copied, subtitles as mov_text with language, faststart', () => {
    const args = mp4MuxArgs({
      playlist: '/o/720p/index.m3u8',
      subtitles: [{ file: '/o/subtitles/s0.vtt', language: 'eng' }],
      out: '/o/upscaled.mp4.part',
    });
    expect(args.join(' ')).toContain(
      '-i file:/o/720p/index.m3u8 -i file:/o/subtitles/s0.vtt -map 0:v:0 -map 0:a:0? -map 1:s:0 -c:v copy -c:a copy -c:s mov_text -metadata:s:s:0 language=eng -movflags +faststart -f mp4 file:/o/upscaled.mp4.part',
    );
    expect(mp4MuxArgs({ playlist: '/p', subtitles: [], out: '/o.mp4' })).not.toContain('-c:s');
  });
  test('subtitle extraction maps one subtitle stream to WebVTT', () => {
    expect(subtitleExtractArgs('/in.mkv', 1, '/o/s1.vtt').slice(-9)).toEqual([
      '-i',
      'file:/in.mkv',
      '-map',
      '0:s:1',
      '-c:s',
      'webvtt',
      '-f',
      'webvtt',
      'file:/o/s1.vtt',
    ]);
  });
  test('subtitle listing keeps sane language tags and titles only', () => {
    const streams = parseSubtitleStreams({
      streams: [
        { index: 2, codec_name: 'subrip', tags: { language: 'eng', title: 'English "SDH"' } },
        { index: 3, codec_name: 'hdmv_pgs_subtitle', tags: { language: 'und' } },
        { index: 4, codec_name: 'ass', tags: { language: 'x"y' } },
      ],
    });
    expect(streams).toEqual([
      { ordinal: 0, codec: 'subrip', language: 'eng', title: "English 'SDH'" },
      { ordinal: 1, codec: 'hdmv_pgs_subtitle' },
      { ordinal: 2, codec: 'ass' },
    ]);
    expect(parseSubtitleStreams(null)).toEqual([]);
  });
});

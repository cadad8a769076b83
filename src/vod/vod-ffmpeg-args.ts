import { ffmpegInput } from '../ffmpeg/ffmpeg-input.js';

/** SubtitleStream is one subtitle stream of the input as ffprobe reports it. */
export interface SubtitleStream {
  /** Position among the input's subtitle streams (the N of 0:s:N). */
  readonly ordinal: number;
  readonly codec: string;
  readonly language?: string;
  readonly title?: string;
}

/** Text subtitle codecs ffmpeg converts to WebVTT / mov_text; bitmap ones (PGS, DVD, DVB) cannot be. */
export const TEXT_SUBTITLE_CODECS: ReadonlySet<string> = new Set([
  'subrip',
  'srt',
  'ass',
  'ssa',
  'mov_text',
  'webvtt',
  'text',
  'microdvd',
  'subviewer',
  'jacosub',
  'sami',
  'realtext',
  'stl',
  'vplayer',
  'pjs',
  'mpl2',
]);

/** subtitleProbeArgs builds ffprobe's arguments listing subtitle streams with their language/title tags. */
export function subtitleProbeArgs(location: string): string[] {
  return [
    '-v',
    'error',
    '-select_streams',
    's',
    '-show_entries',
    'stream=index,codec_name:stream_tags=language,title',
    '-print_format',
    'json',
    ffmpegInput(location),
  ];
}

/** parseSubtitleStreams reads subtitleProbeArgs' JSON (pure). */
export function parseSubtitleStreams(json: unknown): SubtitleStream[] {
  const streams = (json as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams)) return [];
  return streams.map((s: unknown, ordinal): SubtitleStream => {
    const r = (s ?? {}) as { codec_name?: unknown; tags?: { language?: unknown; title?: unknown } };
    const out: { ordinal: number; codec: string; language?: string; title?: string } = {
      ordinal,
      codec: typeof r.codec_name === 'string' ? r.codec_name : 'unknown',
    };
    const lang = r.tags?.language;
    if (typeof lang === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang) && lang !== 'und') out.language = lang;
    const title = r.tags?.title;
    if (typeof title === 'string' && title.trim()) out.title = title.replace(/["\r\n]/g, "'").slice(0, 80);
    return out;
  });
}

// error, not warning: remuxing a resumed job's segments warns about the expected ~20 ms of AAC overlap and the
// MPEG-TS continuity counters that restart with each run; neither affects the result.
const QUIET = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+error', '-y'];

/** subtitleExtractArgs converts subtitle stream 0:s:N of the input to a WebVTT file. */
export function subtitleExtractArgs(location: string, ordinal: number, outFile: string): string[] {
  return [...QUIET, '-i', ffmpegInput(location), '-map', `0:s:${ordinal}`, '-c:s', 'webvtt', '-f', 'webvtt', ffmpegInput(outFile)];
}

/** Mp4MuxOptions: the top rung's VOD playlist, subtitle files to carry, and the output file. */
export interface Mp4MuxOptions {
  readonly playlist: string;
  readonly subtitles: readonly { readonly file: string; readonly language?: string; readonly title?: string }[];
  readonly out: string;
}

/**
 * mp4MuxArgs remuxes the top rung's segments (no re-encode: H.264 and AAC are copied) into one
 * MP4 with the moov atom first (faststart, so it plays while downloading), adding each WebVTT
 * file as a mov_text subtitle track with its language.
 */
export function mp4MuxArgs(o: Mp4MuxOptions): string[] {
  const args = [...QUIET, '-i', ffmpegInput(o.playlist)];
  for (const s of o.subtitles) args.push('-i', ffmpegInput(s.file));
  args.push('-map', '0:v:0', '-map', '0:a:0?');
  o.subtitles.forEach((_, i) => args.push('-map', `${i + 1}:s:0`));
  args.push('-c:v', 'copy', '-c:a', 'copy');
  if (o.subtitles.length) args.push('-c:s', 'mov_text');
  o.subtitles.forEach((s, i) => {
    if (s.language) args.push(`-metadata:s:s:${i}`, `language=${s.language}`);
    if (s.title) args.push(`-metadata:s:s:${i}`, `title=${s.title}`);
  });
  args.push('-movflags', '+faststart', '-f', 'mp4', ffmpegInput(o.out));
  return args;
}

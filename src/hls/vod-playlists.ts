/** VodRendition is what the master playlist says of one rendition (encode/ladder.ts's Rung has these). */
export interface VodRendition {
  /** Its media playlist is `<name>/index.m3u8`. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly bandwidth: number;
  /** RFC 6381 CODECS attribute. */
  readonly codecs: string;
}

/** SubtitleTrack is one WebVTT subtitle rendition listed in the master playlist. */
export interface SubtitleTrack {
  /** NAME attribute shown by players. */
  readonly name: string;
  /** BCP 47-ish language tag (LANGUAGE attribute), when the source says. */
  readonly language?: string;
  /** URI of its media playlist, relative to the master. */
  readonly uri: string;
}

/** The GROUP-ID of the subtitle renditions. */
export const SUBTITLE_GROUP = 'subs';

/**
 * vodMediaPlaylist writes an HLS VOD media playlist (#EXT-X-PLAYLIST-TYPE:VOD, ENDLIST) for
 * segments with known durations. TARGETDURATION is the longest duration rounded to the nearest
 * whole second, as RFC 8216 requires (EXTINF rounded must not exceed it), so we round up when the
 * rounding would fall short.
 */
export function vodMediaPlaylist(segments: readonly { uri: string; duration: number }[]): string {
  if (segments.length === 0) throw new RangeError('a VOD playlist needs at least one segment');
  const longest = Math.max(...segments.map((s) => s.duration));
  const target = Math.max(1, Math.round(longest));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  for (const s of segments) {
    if (!/^[A-Za-z0-9_./-]+$/.test(s.uri) || s.uri.includes('..')) throw new RangeError(`unsafe segment URI ${JSON.stringify(s.uri)}`);
    lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  }
  lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

function quoted(v: string): string {
  if (/["\r\n]/.test(v)) throw new RangeError(`attribute value may not contain quotes or newlines: ${JSON.stringify(v)}`);
  return `"${v}"`;
}

/**
 * vodMasterPlaylist writes the master playlist of a file job: one EXT-X-STREAM-INF per rung
 * (BANDWIDTH, RESOLUTION, CODECS, FRAME-RATE; largest first, as ffmpeg orders them) pointing at
 * `<rung>/index.m3u8`, and the WebVTT subtitle renditions as an EXT-X-MEDIA group.
 */
export function vodMasterPlaylist(rungs: readonly VodRendition[], fps: number, subtitles: readonly SubtitleTrack[] = []): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  subtitles.forEach((s, i) => {
    const attrs = [`TYPE=SUBTITLES`, `GROUP-ID=${quoted(SUBTITLE_GROUP)}`, `NAME=${quoted(s.name)}`];
    if (s.language) attrs.push(`LANGUAGE=${quoted(s.language)}`);
    attrs.push(`DEFAULT=${i === 0 ? 'YES' : 'NO'}`, 'AUTOSELECT=YES', `URI=${quoted(s.uri)}`);
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  });
  for (const r of rungs) {
    const attrs = [
      `BANDWIDTH=${r.bandwidth}`,
      `RESOLUTION=${r.width}x${r.height}`,
      `CODECS=${quoted(r.codecs)}`,
      `FRAME-RATE=${fps.toFixed(3)}`,
    ];
    if (subtitles.length) attrs.push(`SUBTITLES=${quoted(SUBTITLE_GROUP)}`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${r.name}/index.m3u8`);
  }
  return lines.join('\n') + '\n';
}

/**
 * webVttForHls prefixes a WebVTT file's header with X-TIMESTAMP-MAP, which tells HLS players
 * that cue time 0 is MPEG-TS time `mpegtsStart` (90 kHz), the first video frame's PTS.
 */
export function webVttForHls(vtt: string, mpegtsStart: number): string {
  const text = vtt.replace(/^\uFEFF/, '');
  const nl = text.search(/\r?\n/);
  if (!text.startsWith('WEBVTT') || nl === -1) throw new RangeError('not a WebVTT file (no WEBVTT header line)');
  const map = `X-TIMESTAMP-MAP=MPEGTS:${Math.max(0, Math.round(mpegtsStart))},LOCAL:00:00:00.000`;
  return `${text.slice(0, nl)}\n${map}${text.slice(nl)}`;
}

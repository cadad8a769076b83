import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import HLS from 'hls-parser';
import { expect } from 'vitest';
import { peakSegmentBitrate } from '../../src/hls/bandwidth.js';

/** strictParse parses a playlist with hls-parser in strict mode (it throws on any rule it checks). */
export function strictParse(text: string): HLS.types.MasterPlaylist | HLS.types.MediaPlaylist {
  HLS.setOptions({ strictMode: true, silent: true });
  return HLS.parse(text);
}

/** MediaFacts are what checkMediaPlaylist found. */
export interface MediaFacts {
  readonly playlist: HLS.types.MediaPlaylist;
  /** Listed segments (not the pending LL-HLS one) with their file sizes. */
  readonly segments: { uri: string; duration: number; bytes: number; msn: number; gap: boolean }[];
  readonly targetDuration: number;
  readonly partTarget: number | null;
}

/**
 * checkMediaPlaylist applies hls-parser's strict mode and our own MUST checks to a media playlist
 * served from `dir`: EXTINF rounded <= TARGETDURATION (and TARGETDURATION > 0), every listed
 * segment and part exists, LL-HLS parts no longer than PART-TARGET and every part of a finished
 * segment listed when any is (their durations add up to its EXTINF), the preload hint naming the
 * part after the last one.
 */
export function checkMediaPlaylist(text: string, dir: string): MediaFacts {
  const playlist = strictParse(text) as HLS.types.MediaPlaylist;
  expect(playlist.isMasterPlaylist).toBe(false);
  const td = playlist.targetDuration;
  expect(td, 'TARGETDURATION').toBeGreaterThan(0);
  const partTarget = playlist.partTargetDuration ?? null;
  const segments: MediaFacts['segments'] = [];
  const listed = playlist.segments.filter((s) => s.uri);
  for (const s of listed) {
    expect(Math.round(s.duration), `EXTINF ${s.duration} of ${s.uri} rounds to <= ${td}`).toBeLessThanOrEqual(td);
    const gap = Boolean(s.gap);
    const bytes = gap ? 0 : fileSize(path.join(dir, s.uri));
    if (!gap) expect(bytes, `${s.uri} exists and is not empty`).toBeGreaterThan(0);
    segments.push({ uri: s.uri, duration: s.duration, bytes, msn: s.mediaSequenceNumber, gap });
  }
  const allParts = playlist.segments.flatMap((s) => s.parts.filter((p) => !p.hint));
  for (const p of allParts) {
    expect(partTarget, 'PART-TARGET with parts').not.toBeNull();
    expect(p.duration ?? 0, `part ${p.uri} lasts at most PART-TARGET`).toBeLessThanOrEqual((partTarget as number) + 1e-6);
    expect(fileSize(path.join(dir, p.uri)), `part ${p.uri} exists`).toBeGreaterThan(0);
  }
  for (const s of listed.filter((x) => x.parts.length > 0)) {
    const sum = s.parts.reduce((n, p) => n + (p.duration ?? 0), 0);
    expect(sum, `the parts of ${s.uri} add up to its EXTINF: every part is listed`).toBeCloseTo(s.duration, 3);
  }
  if (partTarget !== null && !playlist.endlist) {
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
    const last = allParts.at(-1)?.uri;
    expect(hint, 'a live LL-HLS playlist has a part preload hint').toBeDefined();
    if (last) expect(partNumber(hint as string), 'the preload hint names the part after the last listed one').toBe(partNumber(last) + 1);
  }
  return { playlist, segments, targetDuration: td, partTarget };
}

function partNumber(uri: string): number {
  const m = /_p(\d+)\.m4s$/.exec(uri);
  if (!m) throw new Error(`not a part name: ${uri}`);
  return Number(m[1]);
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** VariantFacts are one master variant with the rung measured from its segments. */
export interface VariantFacts {
  readonly uri: string;
  readonly bandwidth: number;
  readonly averageBandwidth: number | undefined;
  readonly codecs: string;
  readonly measuredPeak: number;
  readonly media: MediaFacts;
}

/**
 * checkMaster applies the strict parser and our MUST checks to the master playlist in `dir` and
 * each media playlist it names: BANDWIDTH >= the peak segment bit rate measured from the files
 * (RFC 8216's runs of 0.5-1.5 target durations), CODECS equal to what ffprobe reads from the
 * first segment (profile and level for H.264; AAC-LC), RESOLUTION and FRAME-RATE present.
 */
export function checkMaster(dir: string, opts: { audio: boolean }): VariantFacts[] {
  const master = strictParse(readFileSync(path.join(dir, 'master.m3u8'), 'utf8')) as HLS.types.MasterPlaylist;
  expect(master.isMasterPlaylist).toBe(true);
  return master.variants.map((v) => {
    const mediaPath = path.join(dir, v.uri);
    const media = checkMediaPlaylist(readFileSync(mediaPath, 'utf8'), path.dirname(mediaPath));
    const measuredPeak = peakSegmentBitrate(
      media.segments.filter((s) => !s.gap),
      media.targetDuration,
    );
    expect(v.bandwidth, `BANDWIDTH of ${v.uri} >= its measured peak ${measuredPeak}`).toBeGreaterThanOrEqual(measuredPeak);
    expect(v.resolution?.width).toBeGreaterThan(0);
    expect(v.frameRate).toBeGreaterThan(0);
    const first = media.segments.find((s) => !s.gap);
    if (first)
      expect(v.codecs, `CODECS of ${v.uri} match the stream`).toBe(probedCodecs(path.dirname(mediaPath), media, first.uri, opts.audio));
    return { uri: v.uri, bandwidth: v.bandwidth, averageBandwidth: v.averageBandwidth, codecs: v.codecs ?? '', measuredPeak, media };
  });
}

/** probedCodecs is what ffprobe says a segment holds, as RFC 6381 codecs (H.264 profile/level, AAC-LC). */
export function probedCodecs(dir: string, media: MediaFacts, uri: string, audio: boolean): string {
  const init = media.playlist.segments.find((s) => s.uri === uri)?.map?.uri;
  const file = path.join(dir, uri);
  // An fMP4 segment needs its init section in front to be read on its own.
  const input = init ? `concat:${path.join(dir, init)}|${file}` : file;
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name,profile,level,codec_tag_string', '-of', 'json', input],
    { encoding: 'utf8' },
  );
  const streams = (JSON.parse(out) as { streams: { codec_name: string; profile?: string; level?: number }[] }).streams;
  const profiles: Record<string, string> = { Baseline: '42', 'Constrained Baseline': '42', Main: '4d', High: '64' };
  const codecs: string[] = [];
  for (const s of streams) {
    if (s.codec_name === 'h264') {
      // x264 sets no constraint flags for High; ffprobe does not print them, the SPS parser in src/hls does.
      codecs.push(`avc1.${profiles[s.profile ?? ''] ?? '??'}00${(s.level ?? 0).toString(16).padStart(2, '0')}`);
    } else if (s.codec_name === 'aac' && audio) {
      codecs.push(s.profile === 'LC' ? 'mp4a.40.2' : `mp4a.40.?${s.profile}`);
    }
  }
  return codecs.join(',');
}

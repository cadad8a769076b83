import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import HLS from 'hls-parser';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { peakBandwidthBound } from './bandwidth.js';
import type { HlsFileKind, HlsOutput } from './hls-output.js';
import { HlsWriter, partFramesFor, targetDurationFor, type SessionSpec } from './hls-writer.js';

const TS_FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/hls/ffmpeg-seg.mpegts');
const RUN = 'rtestrun00';

/** RecordingOutput keeps every call, in order, and the latest text of each playlist. */
class RecordingOutput implements HlsOutput {
  readonly calls: string[] = [];
  readonly texts = new Map<string, string>();
  readonly firstTexts = new Map<string, string>();
  closed = false;
  file(rel: string, _abs: string, kind: HlsFileKind): void {
    this.calls.push(`file ${kind} ${rel}`);
  }
  playlist(rel: string, text: string): void {
    this.calls.push(`playlist ${rel}`);
    this.texts.set(rel, text);
    if (!this.firstTexts.has(rel)) this.firstTexts.set(rel, text);
  }
  remove(rel: string): void {
    this.calls.push(`remove ${rel}`);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  media(rung: string): HLS.types.MediaPlaylist {
    HLS.setOptions({ strictMode: true, silent: true });
    return HLS.parse(this.texts.get(`${rung}/index.m3u8`) as string) as HLS.types.MediaPlaylist;
  }
  master(): HLS.types.MasterPlaylist {
    HLS.setOptions({ strictMode: true, silent: true });
    return HLS.parse(this.texts.get('master.m3u8') as string) as HLS.types.MasterPlaylist;
  }
}

/** firstText is the first version of a rung's playlist the output was given (RecordingOutput keeps only the last). */
function firstText(out: RecordingOutput, rung: string): string {
  return out.firstTexts.get(`${rung}/index.m3u8`) as string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const RATES = { videoMaxrate: 1_000_000, vbvBufsize: 1_000_000, audioBitrate: 128_000, fps: 25 };
const SPEC: SessionSpec = {
  rungs: [
    { name: '360p', width: 640, height: 360, rates: RATES },
    { name: '180p', width: 320, height: 180, rates: { ...RATES, videoMaxrate: 400_000, vbvBufsize: 400_000 } },
  ],
  fpsNum: 25,
  fpsDen: 1,
  hasAudio: true,
};

function setup(mode: 'classic' | 'll', listSize = 3): { dir: string; out: RecordingOutput; w: HlsWriter } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-writer-'));
  dirs.push(dir);
  const out = new RecordingOutput();
  const w = new HlsWriter({ mode, dir, segmentSeconds: 2, listSize, outputs: [out], log: silentLogger, runId: RUN });
  return { dir, out, w };
}

/** tsSegment puts a copy of the TS fixture (High 3.1 + AAC-LC) where ffmpeg would write segment n. */
function tsSegment(dir: string, rung: string, pattern: string, n: number, pad = 0): string {
  const file = path.join(dir, rung, pattern.replace('%05d', String(n).padStart(5, '0')));
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(TS_FIXTURE, file);
  if (pad) writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(pad)]));
  return file;
}

describe('HlsWriter, classic', () => {
  test('publishes segment N of every rung together: files, then media playlists, then the master', async () => {
    const { dir, out, w } = setup('classic');
    const s = w.beginSession(SPEC);
    s.segment('360p', { file: tsSegment(dir, '360p', s.classicPattern, 0), duration: 2, programDateTime: 1_000 });
    await w.idle();
    expect(out.calls).toEqual([]); // 180p has no segment 0 yet
    s.segment('180p', { file: tsSegment(dir, '180p', s.classicPattern, 0), duration: 2, programDateTime: 1_000 });
    await w.idle();
    expect(out.calls).toEqual([
      'file segment 360p/rtestrun00s1_00000.ts',
      'file segment 180p/rtestrun00s1_00000.ts',
      'playlist 360p/index.m3u8',
      'playlist 180p/index.m3u8',
      'playlist master.m3u8',
    ]);
    const master = out.master();
    expect(master.variants.map((v) => [v.uri, v.codecs, v.resolution, v.frameRate])).toEqual([
      ['360p/index.m3u8', 'avc1.64001f,mp4a.40.2', { width: 640, height: 360 }, 25],
      ['180p/index.m3u8', 'avc1.64001f,mp4a.40.2', { width: 320, height: 180 }, 25],
    ]);
    expect(master.variants[0]?.bandwidth).toBe(peakBandwidthBound(RATES, 2, 'mpegts'));
    expect(out.media('360p').segments[0]?.programDateTime?.getTime()).toBe(1_000);
  });

  test('the window slides, and a file is deleted only after the window moved on by its length again', async () => {
    const { dir, out, w } = setup('classic', 3);
    const s = w.beginSession(SPEC);
    for (let n = 0; n < 10; n++)
      for (const r of ['360p', '180p'])
        s.segment(r, { file: tsSegment(dir, r, s.classicPattern, n), duration: 2, programDateTime: n * 2000 });
    await w.idle();
    const p = out.media('360p');
    expect(p.mediaSequenceBase).toBe(7);
    expect(p.segments.map((x) => x.uri)).toEqual(['rtestrun00s1_00007.ts', 'rtestrun00s1_00008.ts', 'rtestrun00s1_00009.ts']);
    // Segment k left the playlist when k + 3 came; it is deleted when k + 7 comes (3 more).
    expect(out.calls.filter((c) => c.startsWith('remove 360p'))).toEqual([
      'remove 360p/rtestrun00s1_00000.ts',
      'remove 360p/rtestrun00s1_00001.ts',
      'remove 360p/rtestrun00s1_00002.ts',
    ]);
    const removeAt = out.calls.indexOf('remove 360p/rtestrun00s1_00000.ts');
    expect(out.calls.lastIndexOf('playlist 360p/index.m3u8', removeAt)).toBeGreaterThan(
      out.calls.indexOf('file segment 360p/rtestrun00s1_00006.ts'),
    );
  });

  test('a reconnect is a DISCONTINUITY, counted in DISCONTINUITY-SEQUENCE once it slid out (RFC 8216 6.2.2)', async () => {
    const { dir, out, w } = setup('classic', 3);
    let msn = 0;
    for (let session = 1; session <= 2; session++) {
      const s = w.beginSession(SPEC);
      for (let n = 0; n < 2; n++)
        for (const r of ['360p', '180p'])
          s.segment(r, { file: tsSegment(dir, r, s.classicPattern, msn + n), duration: 2, programDateTime: 0 });
      msn += 2;
      await s.end();
    }
    let p = out.media('180p');
    expect(p.segments.map((x) => [x.mediaSequenceNumber, Boolean(x.discontinuity), x.discontinuitySequence])).toEqual([
      [1, false, 0],
      [2, true, 1],
      [3, false, 1],
    ]);
    const s3 = w.beginSession(SPEC);
    for (let n = 0; n < 4; n++)
      for (const r of ['360p', '180p'])
        s3.segment(r, { file: tsSegment(dir, r, s3.classicPattern, 4 + n), duration: 2, programDateTime: 0 });
    await w.idle();
    p = out.media('180p');
    // Both DISCONTINUITY tags are gone with their segments; the sequence keeps the count.
    expect(out.texts.get('180p/index.m3u8')).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:2\n');
    expect(out.texts.get('180p/index.m3u8')).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(p.segments.map((x) => [x.mediaSequenceNumber, x.discontinuitySequence, x.uri])).toEqual([
      [5, 2, 'rtestrun00s3_00005.ts'],
      [6, 2, 'rtestrun00s3_00006.ts'],
      [7, 2, 'rtestrun00s3_00007.ts'],
    ]);
  });

  test("continuing a dead instance's playlists: same sequence numbers, its window first, then a DISCONTINUITY; its files deleted as the window moves", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-writer-'));
    dirs.push(dir);
    const out = new RecordingOutput();
    const window = (rung: string) => ({
      mediaSequence: 40,
      discontinuitySequence: 3,
      targetDuration: 2,
      segments: [40, 41, 42].map((n) => ({
        uri: `olderun001_000${n}.ts`,
        duration: 2,
        discontinuity: n === 41,
        map: null,
        programDateTime: n * 2000,
      })),
    });
    const w = new HlsWriter({
      mode: 'classic',
      dir,
      segmentSeconds: 2,
      listSize: 3,
      outputs: [out],
      log: silentLogger,
      runId: RUN,
      continueFrom: { renditions: { '360p/index.m3u8': window('360p'), '180p/index.m3u8': window('180p') } },
    });
    const s = w.beginSession(SPEC);
    for (let n = 0; n < 4; n++)
      for (const r of ['360p', '180p'])
        s.segment(r, { file: tsSegment(dir, r, s.classicPattern, n), duration: 2, programDateTime: 90_000 + n * 2000 });
    await w.idle();
    // After the first new segment: the carried 41 and 42 and our first, numbered on.
    const texts = out.calls.filter((c) => c === 'playlist 360p/index.m3u8');
    expect(texts.length).toBeGreaterThan(0);
    const p = out.media('360p');
    expect(p.segments.map((x) => [x.mediaSequenceNumber, x.discontinuitySequence, x.uri])).toEqual([
      [44, 5, 'rtestrun00s1_00001.ts'],
      [45, 5, 'rtestrun00s1_00002.ts'],
      [46, 5, 'rtestrun00s1_00003.ts'],
    ]);
    // The first playlist published listed the old window, then ours after a DISCONTINUITY.
    const first = HLS.parse(firstText(out, '360p')) as HLS.types.MediaPlaylist;
    expect(first.mediaSequenceBase).toBe(41);
    expect(first.discontinuitySequenceBase).toBe(3);
    expect(first.segments.map((x) => [x.uri, Boolean(x.discontinuity)])).toEqual([
      ['olderun001_00041.ts', true],
      ['olderun001_00042.ts', false],
      ['rtestrun00s1_00000.ts', true],
    ]);
    expect(out.calls.filter((c) => c.startsWith('remove 360p/olderun'))).toEqual([]);
    // The old files go like ours: once the window has moved on by its length again.
    for (let n = 4; n < 10; n++)
      for (const r of ['360p', '180p'])
        s.segment(r, { file: tsSegment(dir, r, s.classicPattern, n), duration: 2, programDateTime: 90_000 + n * 2000 });
    await w.idle();
    expect(out.calls.filter((c) => c.startsWith('remove 360p/olderun'))).toEqual([
      'remove 360p/olderun001_00040.ts',
      'remove 360p/olderun001_00041.ts',
      'remove 360p/olderun001_00042.ts',
    ]);
    await w.end();
  });

  test('a session ending with a segment only one rung finished drops it (deleted, never listed)', async () => {
    const { dir, out, w } = setup('classic');
    const s = w.beginSession(SPEC);
    const orphan = tsSegment(dir, '360p', s.classicPattern, 0);
    s.segment('360p', { file: orphan, duration: 1, programDateTime: 0 });
    await s.end();
    expect(existsSync(orphan)).toBe(false);
    expect(out.calls).toEqual([]);
  });

  test('end(): ENDLIST everywhere, the master with measured averages, outputs closed; a peak above the bound is declared before it is listed', async () => {
    const { dir, out, w } = setup('classic');
    const s = w.beginSession(SPEC);
    for (const r of ['360p', '180p']) s.segment(r, { file: tsSegment(dir, r, s.classicPattern, 0), duration: 2, programDateTime: 0 });
    await w.idle();
    const before = out.master().variants[1]?.bandwidth as number;
    out.calls.length = 0;
    // 1 MB in 2 s for the 180p rung: 4 Mbit/s, far above its bound.
    for (const r of ['360p', '180p'])
      s.segment(r, { file: tsSegment(dir, r, s.classicPattern, 1, r === '180p' ? 1_000_000 : 0), duration: 2, programDateTime: 0 });
    await w.idle();
    expect(out.calls.indexOf('playlist master.m3u8')).toBeLessThan(out.calls.indexOf('playlist 180p/index.m3u8'));
    const after = out.master().variants[1]?.bandwidth as number;
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(Math.floor(((1_000_000 + 25_756) * 8) / 2));
    await w.end();
    for (const r of ['360p', '180p']) expect(out.media(r).endlist).toBe(true);
    expect(out.closed).toBe(true);
    expect(out.master().variants[0]?.averageBandwidth).toBe(Math.ceil((25_756 * 2 * 8) / 4));
    expect(() => w.beginSession(SPEC)).toThrow(/ended/);
  });

  test('a different ladder in a later session is refused', async () => {
    const { w } = setup('classic');
    await w.beginSession(SPEC).end();
    expect(() => w.beginSession({ ...SPEC, rungs: SPEC.rungs.slice(0, 1) })).toThrow(/ladder changed/);
  });
});

describe('HlsWriter, LL-HLS', () => {
  const CODECS = ['avc1.64001f', 'mp4a.40.2'];
  const part = (k: number, starts: boolean, duration = 0.24, ends = false) => ({
    data: Buffer.from(`part ${k};`),
    duration,
    startsSegment: starts,
    endsSegment: ends,
    programDateTime: 5_000 + k * 240,
  });

  test('parts, then the segment made of them; the hint names the next part; strict parser on every version', async () => {
    const { dir, out, w } = setup('ll', 6);
    const s = w.beginSession(SPEC);
    for (const r of ['360p', '180p']) s.init(r, Buffer.from('ftyp+moov'), CODECS);
    const seen: string[] = [];
    const check = (): void => {
      for (const r of ['360p', '180p']) if (out.texts.has(`${r}/index.m3u8`)) out.media(r);
      if (out.texts.has('master.m3u8')) out.master();
    };
    for (let k = 0; k < 20; k++) {
      // A segment of 50 frames at 25 fps: eight parts of 6 frames and one of 2, cut at the next keyframe.
      for (const r of ['360p', '180p']) s.part(r, part(k, k % 9 === 0, k % 9 === 8 ? 0.08 : 0.24, k % 9 === 8));
      await w.idle();
      check();
      seen.push(out.texts.get('360p/index.m3u8')?.match(/PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/)?.[1] ?? '');
    }
    expect(seen.slice(0, 3)).toEqual(['rtestrun00_p000001.m4s', 'rtestrun00_p000002.m4s', 'rtestrun00_p000003.m4s']);
    const p = out.media('360p');
    expect(p.segments.map((x) => x.uri || null)).toEqual(['rtestrun00_00000.m4s', 'rtestrun00_00001.m4s', null]);
    expect(p.segments.map((x) => x.parts.length)).toEqual([9, 9, 3]); // 2 parts + the hinted one
    // The short last part of a segment is published with its segment, never as the pending one's last.
    expect(seen[8]).toBe('rtestrun00_p000009.m4s');
    expect(out.calls.indexOf('file segment 360p/rtestrun00_00000.m4s')).toBeLessThan(
      out.calls.indexOf('file part 360p/rtestrun00_p000009.m4s'),
    );
    expect(readFileSync(path.join(dir, '360p', 'rtestrun00_00001.m4s'), 'utf8')).toBe(
      [9, 10, 11, 12, 13, 14, 15, 16, 17].map((k) => `part ${k};`).join(''),
    );
    expect(p.segments[1]?.duration).toBeCloseTo(8 * 0.24 + 0.08, 9);
    expect(p.segments[0]?.map?.uri).toBe('rtestrun00s1_init.mp4');
    expect(out.texts.get('360p/index.m3u8')).toContain(
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.96\n#EXT-X-PART-INF:PART-TARGET=0.24\n',
    );
    // Media before the playlists that list it.
    const fileAt = out.calls.indexOf('file part 360p/rtestrun00_p000019.m4s');
    expect(fileAt).toBeGreaterThan(0);
    expect(out.calls.indexOf('playlist 360p/index.m3u8', fileAt)).toBeGreaterThan(fileAt);
  });

  test('a rung that lost the last segment in a crash gets a GAP, so sequence numbers stay in step', async () => {
    const { out, w } = setup('ll', 6);
    const s = w.beginSession(SPEC);
    for (const r of ['360p', '180p']) s.init(r, Buffer.from('init'), CODECS);
    for (let k = 0; k < 9; k++) for (const r of ['360p', '180p']) s.part(r, part(k, k === 0));
    s.part('360p', part(9, true)); // 180p never got part 9 (and its segment 1)
    await s.end();
    // (hls-parser lists the preload hint as one more, URI-less segment: left out here)
    const listed = (r: string) =>
      out
        .media(r)
        .segments.filter((x) => x.uri)
        .map((x) => [x.mediaSequenceNumber, Boolean(x.gap)]);
    expect(listed('360p')).toEqual([
      [0, false],
      [1, false],
    ]);
    expect(listed('180p')).toEqual([
      [0, false],
      [1, true],
    ]);
    const s2 = w.beginSession(SPEC);
    for (const r of ['360p', '180p']) s2.init(r, Buffer.from('init2'), CODECS);
    for (const r of ['360p', '180p']) s2.part(r, part(10, true));
    await w.end();
    const p = out.media('180p');
    expect(p.segments.map((x) => [x.mediaSequenceNumber, Boolean(x.discontinuity), x.map?.uri])).toEqual([
      [0, false, 'rtestrun00s1_init.mp4'],
      [1, false, 'rtestrun00s1_init.mp4'],
      [2, true, 'rtestrun00s2_init.mp4'],
    ]);
    expect(p.endlist).toBe(true);
    expect(out.texts.get('180p/index.m3u8')).not.toMatch(/PRELOAD-HINT|EXT-X-PART:/);
  });
});

describe('timing rules', () => {
  test.each([
    [2, 25, 2],
    [2, 30000 / 1001, 2],
    [2, 1, 2],
    [2, 0.4, 3], // a frame every 2.5 s: segments of 2.5 s round up to 3
    [1, 2, 1],
    [6, 24, 6],
  ])('targetDurationFor(%s s, %s fps) is %s', (s, fps, td) => expect(targetDurationFor(s, fps)).toBe(td));

  test.each([
    [0.25, 25, 6],
    [0.25, 30, 8],
    [0.25, 60, 15],
    [0.25, 1, 1],
  ])('partFramesFor(%s s, %s fps) is %s', (t, fps, n) => expect(partFramesFor(t, fps)).toBe(n));
});

describe('PROGRAM-DATE-TIME', () => {
  test("a date moving back (the clock learning the publisher's pace) overlaps the previous segment by under a second", async () => {
    const { dir, out, w } = setup('classic', 6);
    const s = w.beginSession(SPEC);
    // Dates from a FrameClock whose anchor moved back 2.5 s after segment 0, then held; a gap after a stall is kept.
    const dates = [10_000, 9_500, 11_500, 13_500, 17_000];
    dates.forEach((t, n) => {
      for (const r of ['360p', '180p']) s.segment(r, { file: tsSegment(dir, r, s.classicPattern, n), duration: 2, programDateTime: t });
    });
    await w.idle();
    const got = out.media('360p').segments.map((x) => x.programDateTime?.getTime());
    expect(got).toEqual([10_000, 11_100, 12_200, 13_500, 17_000]);
    expect(out.media('180p').segments.map((x) => x.programDateTime?.getTime())).toEqual(got);
  });
});

test('a run that never had a segment ends without writing anything', async () => {
  const { out, w } = setup('ll');
  await w.end();
  expect(out.calls).toEqual([]);
  const { out: out2, w: w2 } = setup('classic');
  await w2.beginSession(SPEC).end();
  await w2.end();
  expect(out2.calls).toEqual([]);
});

import type { X264PresetChoice } from '../../src/encode/video-codec.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Decoder, type VideoInfo } from '../../src/decode/decoder.js';
import { Encoder } from '../../src/encode/encoder.js';
import type { Rung } from '../../src/encode/ladder.js';
import { probeMedia } from '../../src/ffmpeg/probe.js';
import { liveChildren, type ProcessExit } from '../../src/ffmpeg/supervised-process.js';
import { parseMediaPlaylist } from '../../src/hls/media-playlist.js';
import { silentLogger } from '../../src/log/logger.js';
import { frameGeometry } from '../../src/media/frame.js';
import { ffmpegChildren, makeTestClip, testBinaries } from '../helpers/ffmpeg-fixtures.js';
import { checkMaster } from '../helpers/hls-checks.js';

// Real ffmpeg end to end: file -> Decoder -> (stand-in x2 upscale, video delayed 300 ms) ->
// Encoder -> HLS ladder. The delay puts all of the clip's audio in front of its video, the
// shape of the deadlock hazard the encoder is designed against.

const binaries = testBinaries();
let dir: string;
let clipWithAudio: string;
let clipSilent: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-decode-encode-'));
  [clipWithAudio, clipSilent] = await Promise.all([
    makeTestClip({ dir, width: 320, height: 180, fps: 25, seconds: 4, audio: true }),
    makeTestClip({ dir, width: 320, height: 180, fps: 25, seconds: 4, audio: false }),
  ]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a test started, closed after it even when it failed half-way (close is idempotent). */
const started: { close(): Promise<unknown> }[] = [];

afterEach(async () => {
  // Look first (a passing test must have left nothing running), then clean up whatever a failing one left.
  const leftovers = ffmpegChildren();
  const live = liveChildren();
  await Promise.all(started.splice(0).map((s) => s.close()));
  expect(leftovers).toEqual([]);
  expect(live).toBe(0);
});

/** upscale2x is a plain nearest-neighbour x2 of a yuv420p frame (a stand-in for the upscale stage). */
function upscale2x(src: Uint8Array, info: VideoInfo): Uint8Array {
  const g = frameGeometry(info.width, info.height);
  const G = frameGeometry(info.width * 2, info.height * 2);
  const out = new Uint8Array(G.frameSize);
  const plane = (so: number, sw: number, oo: number, ow: number, oh: number): void => {
    for (let y = 0; y < oh; y++) {
      const srow = so + (y >> 1) * sw;
      const orow = oo + y * ow;
      for (let x = 0; x < ow; x++) out[orow + x] = src[srow + (x >> 1)] as number;
    }
  };
  plane(0, g.width, 0, G.width, G.height);
  plane(g.lumaSize, g.chromaWidth, G.lumaSize, G.chromaWidth, G.chromaHeight);
  plane(g.lumaSize + g.chromaSize, g.chromaWidth, G.lumaSize + G.chromaSize, G.chromaWidth, G.chromaHeight);
  return out;
}

interface RunResult {
  decoded: number;
  written: number;
  audioBytes: number;
  audioRefusals: number;
  segments: Map<string, string[]>;
  rungs: readonly Rung[];
  decoderExit: ProcessExit;
  encoderExit: ProcessExit;
}

/** runPipeline wires Decoder -> delayed upscale -> Encoder the way a stream pipeline would. */
async function runPipeline(
  input: string,
  hasAudio: boolean,
  outDir: string,
  live: boolean,
  realtime = false,
  x264Preset?: X264PresetChoice,
): Promise<RunResult> {
  const decoder = new Decoder({ binaries, input, hasAudio, realtime, log: silentLogger });
  started.push(decoder);
  let encoder: Encoder | null = null;
  let info: VideoInfo | null = null;
  let decoded = 0;
  let audioBytes = 0;
  let audioRefusals = 0;
  let earlyAudio: Buffer[] = [];
  let delayed = 0; // frames inside the artificial 300 ms delay
  const ready: Uint8Array[] = []; // frames past the delay, waiting for the encoder
  let blocked = false;
  let decoderPaused = false;
  let decoderExit: ProcessExit | null = null;
  const segments = new Map<string, string[]>();
  let finish!: () => void;
  const allWritten = new Promise<void>((r) => (finish = r));

  const held = (): number => delayed + ready.length;
  const pause = (): void => {
    if (decoderPaused) return;
    decoderPaused = true;
    decoder.pause();
  };
  const pump = (): void => {
    while (encoder && !blocked && ready.length) {
      // Like the stream pipeline: a refused frame pauses the decoder at once, until `drain`.
      if (!encoder.writeFrame(ready.shift() as Uint8Array)) {
        blocked = true;
        pause();
      }
    }
    if (decoderPaused && !blocked && held() < 10) {
      decoderPaused = false;
      decoder.resume();
    }
    if (decoderExit && held() === 0) finish();
  };

  decoder.on('info', (i) => {
    info = i;
    encoder = new Encoder({
      binaries,
      outDir,
      source: i,
      scale: 2,
      hasAudio,
      live,
      log: silentLogger,
      ...(x264Preset ? { x264Preset } : {}),
    });
    started.push(encoder);
    encoder.on('drain', () => {
      blocked = false;
      pump();
    });
    encoder.on('segment', (rung, file) => segments.set(rung, [...(segments.get(rung) ?? []), path.basename(file)]));
    encoder.start();
    for (const chunk of earlyAudio) encoder.writeAudio(chunk);
    earlyAudio = [];
  });
  decoder.on('frame', (data) => {
    decoded++;
    const up = upscale2x(data, info as VideoInfo);
    delayed++;
    setTimeout(() => {
      delayed--;
      ready.push(up);
      pump();
    }, 300);
    // The stage holds a bounded number of frames; past that the decoder waits.
    if (held() >= 50) pause();
  });
  decoder.on('audio', (chunk) => {
    audioBytes += chunk.length;
    if (!encoder) return void earlyAudio.push(chunk);
    // Policy: keep writing audio; a refusal means the generous bound was passed (counted here).
    if (!encoder.writeAudio(chunk)) audioRefusals++;
  });
  decoder.on('exit', (e) => {
    decoderExit = e;
    pump();
  });
  decoder.start();

  await allWritten;
  const enc = encoder as Encoder | null;
  if (!enc) throw new Error(`decoder produced no video: ${JSON.stringify(decoderExit)}`);
  const encoderExit = await enc.end();
  await Promise.all([decoder.close(), enc.close()]); // idempotent: both already ended
  return {
    decoded,
    written: enc.framesWritten,
    audioBytes,
    audioRefusals,
    segments,
    rungs: enc.rungs,
    decoderExit: decoderExit as unknown as ProcessExit,
    encoderExit,
  };
}

/** masterVariants reads BANDWIDTH, RESOLUTION, CODECS and URI of each #EXT-X-STREAM-INF. */
function masterVariants(text: string): { bandwidth: number; resolution: string; codecs: string; uri: string }[] {
  const lines = text.split('\n').map((l) => l.trim());
  return lines.flatMap((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return [];
    const uri = lines.slice(i + 1).find((l) => l && !l.startsWith('#')) ?? '';
    return [
      {
        bandwidth: Number(/BANDWIDTH=(\d+)/.exec(line)?.[1]),
        resolution: /RESOLUTION=(\d+x\d+)/.exec(line)?.[1] ?? '',
        codecs: /CODECS="([^"]+)"/.exec(line)?.[1] ?? '',
        uri,
      },
    ];
  });
}

/** probeRung ffprobes every segment of a rung: sizes, stream types, frames counted, first timestamps. */
async function probeRung(outDir: string, rung: string) {
  const playlist = readFileSync(path.join(outDir, rung, 'index.m3u8'), 'utf8');
  const segs = parseMediaPlaylist(playlist).segments;
  const probes = await Promise.all(segs.map((s) => probeMedia(binaries.ffprobe, path.join(outDir, rung, s.uri), { countFrames: true })));
  const video = probes.map((p) => p.streams.find((s) => s.codecType === 'video'));
  const audio = probes.map((p) => p.streams.find((s) => s.codecType === 'audio'));
  return {
    playlist,
    segments: segs.map((s) => s.uri),
    sizes: [...new Set(video.map((v) => `${v?.width}x${v?.height}`))],
    videoFrames: video.reduce((n, v) => n + (v?.nbReadFrames ?? 0), 0),
    audioInEvery: audio.every((a) => a?.codecName === 'aac' && a.sampleRate === 48_000 && a.channels === 2),
    audioInAny: audio.some(Boolean),
    firstVideoStart: video[0]?.startTime,
    firstAudioStart: audio[0]?.startTime,
  };
}

describe('Decoder -> x2 -> Encoder with real ffmpeg', () => {
  test('with audio, video 300 ms behind its audio: a two-rung ladder, every frame, audio in sync, ENDLIST', async () => {
    const outDir = path.join(dir, 'with-audio');
    const r = await runPipeline(clipWithAudio, true, outDir, true);

    expect(r.decoderExit.code).toBe(0);
    expect(r.encoderExit.code).toBe(0);
    expect(r.decoded).toBe(100);
    expect(r.written).toBe(100);
    // 4 s of 44.1 kHz mono became 48 kHz stereo s16le (AAC priming/padding adds a few ms).
    expect(r.audioBytes / 192_000).toBeGreaterThan(3.95);
    expect(r.audioBytes / 192_000).toBeLessThan(4.1);
    // All of it was written ahead of the video without ever hitting the bound.
    expect(r.audioRefusals).toBe(0);

    // Live: the HlsWriter's master. CODECS read off the stream (the levels asked of x264),
    // BANDWIDTH at least the measured peak (checkMaster), and no more than twice the rate asked for.
    const variants = masterVariants(readFileSync(path.join(outDir, 'master.m3u8'), 'utf8'));
    expect(variants.map((v) => [v.resolution, v.codecs, v.uri])).toEqual([
      ['640x360', r.rungs[0]?.codecs, '360p/index.m3u8'],
      ['320x180', r.rungs[1]?.codecs, '180p/index.m3u8'],
    ]);
    expect(variants.map((v) => v.codecs)).toEqual(['avc1.64001e,mp4a.40.2', 'avc1.64000c,mp4a.40.2']);
    const facts = checkMaster(outDir, { audio: true });
    facts.forEach((f, i) => expect(f.bandwidth).toBeLessThan(2 * ((r.rungs[i]?.videoBitrate ?? 0) + 128_000)));

    const top = await probeRung(outDir, '360p');
    const low = await probeRung(outDir, '180p');
    expect(top.sizes).toEqual(['640x360']);
    expect(low.sizes).toEqual(['320x180']);
    expect(top.audioInEvery).toBe(true);
    expect(low.audioInEvery).toBe(true);
    expect(top.videoFrames).toBe(100);
    expect(low.videoFrames).toBe(100);
    // Frame 0 and sample 0 are the same instant: the first segment's streams start together
    // (within AAC's 1024-sample priming, 21 ms).
    expect(Math.abs((top.firstVideoStart ?? NaN) - (top.firstAudioStart ?? NaN))).toBeLessThan(0.05);
    for (const p of [top, low]) {
      expect(p.playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
      expect(p.segments.length).toBeGreaterThanOrEqual(2);
    }
    expect(r.segments.get('360p')).toEqual(top.segments);
    expect(r.segments.get('180p')).toEqual(low.segments);
  });

  test('played live (-re), with audio: the encoder starts without waiting for more audio than the decoder gives', async () => {
    // Audio now arrives at 1 s per second and the decoder is paused as soon as a frame is
    // refused: if the encoder's ffmpeg probed its audio input (it opens inputs one at a time,
    // reading no video meanwhile), the paused decoder would never send the audio it waits for.
    const outDir = path.join(dir, 'live-paced');
    const r = await runPipeline(clipWithAudio, true, outDir, true, true);
    expect(r.encoderExit.code).toBe(0);
    expect(r.decoded).toBe(100);
    expect(r.written).toBe(100);
    const top = await probeRung(outDir, '360p');
    expect(top.videoFrames).toBe(100);
    expect(top.audioInEvery).toBe(true);
    expect(top.playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
  });

  test("without audio: video-only rungs, every frame, ENDLIST; a preset per rung reaches each rung's x264", async () => {
    const outDir = path.join(dir, 'silent');
    const r = await runPipeline(clipSilent, false, outDir, false, false, ['ultrafast', 'veryfast']);
    // x264 writes its settings into the stream: ultrafast has no CABAC and diamond search, veryfast has both on and hex.
    const firstSegment = (rung: string) =>
      readFileSync(
        path.join(outDir, rung, parseMediaPlaylist(readFileSync(path.join(outDir, rung, 'index.m3u8'), 'utf8')).segments[0]?.uri ?? ''),
      ).toString('latin1');
    expect(/cabac=(\d) ref=\d+ deblock=\S+ analyse=\S+ me=(\w+)/.exec(firstSegment('360p'))?.slice(1)).toEqual(['0', 'dia']);
    expect(/cabac=(\d) ref=\d+ deblock=\S+ analyse=\S+ me=(\w+)/.exec(firstSegment('180p'))?.slice(1)).toEqual(['1', 'hex']);

    expect(r.decoderExit.code).toBe(0);
    expect(r.encoderExit.code).toBe(0);
    expect(r.decoded).toBe(100);
    expect(r.written).toBe(100);
    expect(r.audioBytes).toBe(0);

    const variants = masterVariants(readFileSync(path.join(outDir, 'master.m3u8'), 'utf8'));
    // ultrafast uses no High-profile tool (no CABAC, no 8x8 transform), so x264 marks that rung Constrained Baseline.
    expect(variants.map((v) => [v.resolution, v.codecs, v.bandwidth])).toEqual([
      ['640x360', 'avc1.42c01e', r.rungs[0]?.bandwidth],
      ['320x180', 'avc1.64000c', r.rungs[1]?.bandwidth],
    ]);
    const top = await probeRung(outDir, '360p');
    expect(top.sizes).toEqual(['640x360']);
    expect(top.audioInAny).toBe(false);
    expect(top.videoFrames).toBe(100);
    expect(top.playlist).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(top.playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect((await probeRung(outDir, '180p')).videoFrames).toBe(100);
  });

  test.each([
    ['video starts 0.5 s after audio', { videoDelaySeconds: 0.5 }],
    ['audio starts 0.5 s after video', { audioDelaySeconds: 0.5 }],
  ])('A/V start alignment: %s', async (_name, delay) => {
    const clip = await makeTestClip({ dir, width: 160, height: 90, fps: 25, seconds: 2, audio: true, ...delay });
    const decoder = new Decoder({ binaries, input: clip, hasAudio: true, log: silentLogger });
    started.push(decoder);
    const frames: Uint8Array[] = [];
    const audio: Buffer[] = [];
    decoder.on('frame', (f) => frames.push(f));
    decoder.on('audio', (a) => audio.push(a));
    const exit = new Promise<ProcessExit>((r) => decoder.on('exit', r));
    decoder.start();
    expect((await exit).code).toBe(0);
    const pcm = Buffer.concat(audio);
    const videoSeconds = frames.length / 25;
    const audioSeconds = pcm.length / 192_000;
    // Both outputs run from the source's t=0: the late stream is padded at its start (repeated
    // first frame / silence), so it lasts delay + 2 s and its content lines up with the other's.
    const [late, early] = 'videoDelaySeconds' in delay ? [videoSeconds, audioSeconds] : [audioSeconds, videoSeconds];
    expect(late).toBeGreaterThan(2.4);
    expect(late).toBeLessThan(2.6);
    expect(early).toBeGreaterThan(1.95);
    expect(early).toBeLessThan(2.1);
    const firstSound = pcm.findIndex((b) => b !== 0) / 192_000;
    const sameAsFirst = frames.findIndex((f) => !Buffer.from(f).equals(Buffer.from(frames[0] as Uint8Array)));
    if ('videoDelaySeconds' in delay) {
      expect(firstSound).toBeLessThan(0.05);
      expect(sameAsFirst / 25).toBeGreaterThan(0.4); // ~13 copies of the first picture fill the gap
      expect(sameAsFirst / 25).toBeLessThan(0.65);
    } else {
      expect(sameAsFirst).toBe(1); // testsrc2 changes every frame at this size
      expect(firstSound).toBeGreaterThan(0.4); // ~0.5 s of silence fills the gap
      expect(firstSound).toBeLessThan(0.6);
    }
  });
});

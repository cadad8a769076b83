import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { childProcessesNamed, waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';
import { startTestServer, type StartedServer } from '../helpers/test-server.js';

type Started = StartedServer;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startServer(extra: string[]): Promise<Started> {
  return startTestServer(extra, cleanups, 'uprez-live-');
}

function ffprobeJson(
  file: string,
  extra: string[] = [],
): { streams: { codec_type: string; width?: number; height?: number; nb_read_frames?: string }[] } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', ...extra, file], { encoding: 'utf8' });
  return JSON.parse(out) as ReturnType<typeof ffprobeJson>;
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return await res.text();
}

interface ApiStream {
  key: string;
  state: string;
  frames: { in: number; out: number; model: number; bicubic: number; byModel: Record<string, number> };
  model: string | null;
  fallbackModel: string | null;
  fallbacks: Record<string, number>;
  input: { width: number; height: number } | null;
  output: { width: number; height: number } | null;
}

async function publishAndWait(s: Started, key: string, seconds: number): Promise<ApiStream> {
  const pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/${key}`, seconds, width: 320, height: 180, fps: 25 });
  cleanups.push(() => pub.kill());
  expect(await pub.done, pub.stderr()).toBe(0);
  const api = `http://127.0.0.1:${s.httpPort}/api/streams/${key}`;
  let snap: ApiStream | undefined;
  await waitUntil(
    async () => {
      const res = await fetch(api);
      if (!res.ok) return false;
      snap = (await res.json()) as ApiStream;
      return snap.state === 'ended' || snap.state === 'failed';
    },
    60_000,
    `stream ${key} to end`,
  );
  return snap as ApiStream;
}

describe('live pipeline: RTMP in, upscaled HLS ladder out (real ffmpeg, RTMP, HTTP)', () => {
  test('a 6 s publish with audio becomes a two-rung ladder, the top rung at source x 2, every frame counted', async () => {
    const s = await startServer([]);
    const snap = await publishAndWait(s, 'cam1', 6);
    expect(snap.state).toBe('ended');
    expect(snap.input).toEqual({ width: 320, height: 180, fps: 25 });
    expect(snap.output).toEqual({ width: 640, height: 360 });
    // one out per one in, none dropped: 6 s at 25 fps
    expect(snap.frames.in).toBeGreaterThanOrEqual(148);
    expect(snap.frames.out).toBe(snap.frames.in);
    expect(snap.frames.model + snap.frames.bicubic).toBe(snap.frames.out);
    // The default ladder at x2: the live default, then the card marked liveFallback.
    expect([snap.model, snap.fallbackModel]).toEqual(['uprez-x2-fast', 'uprez-x2-tiny']);

    const base = `http://127.0.0.1:${s.httpPort}/hls/cam1`;
    const master = await getText(`${base}/master.m3u8`);
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)];
    expect(variants).toHaveLength(2);
    for (const [, attrs] of variants) {
      expect(attrs).toMatch(/BANDWIDTH=\d+/);
      expect(attrs).toMatch(/RESOLUTION=\d+x\d+/);
      expect(attrs).toMatch(/CODECS="avc1\.[0-9a-fA-F]{6},mp4a\.40\.2"/);
    }
    const sizes = variants.map(([, attrs]) => /RESOLUTION=(\d+x\d+)/.exec(attrs as string)?.[1]).sort();
    expect(sizes).toEqual(['320x180', '640x360']);

    let framesInTop = 0;
    for (const [, attrs, uri] of variants) {
      const media = await getText(`${base}/${uri}`);
      expect(media.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
      const playlistFile = path.join(s.dataDir, 'hls', 'cam1', uri as string);
      const probe = ffprobeJson(playlistFile, ['-count_frames']);
      const video = probe.streams.find((st) => st.codec_type === 'video');
      const audio = probe.streams.find((st) => st.codec_type === 'audio');
      expect(audio, `audio in ${uri}`).toBeDefined();
      const res = /RESOLUTION=(\d+)x(\d+)/.exec(attrs as string);
      expect(video?.width).toBe(Number(res?.[1]));
      expect(video?.height).toBe(Number(res?.[2]));
      if (video?.width === 640) framesInTop = Number(video.nb_read_frames);
    }
    expect(framesInTop).toBe(snap.frames.out);

    const metrics = await getText(`http://127.0.0.1:${s.httpPort}/metrics`);
    const total = [...metrics.matchAll(/^uprez_frames_total\{[^}]*stream="cam1"[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    expect(total).toBe(snap.frames.out);
    expect(metrics).toMatch(/uprez_execution_provider\{[^}]*provider="cpu"[^}]*\} 1/);

    await s.server.close();
    expect(childProcessesNamed('ffmpeg')).toEqual([]);
  });

  test('a model that cannot meet the latency budget: every frame bicubic, none dropped, all predicted_late', async () => {
    const s = await startServer(['--latency-budget-ms', '1']);
    const snap = await publishAndWait(s, 'slow', 4);
    expect(snap.state).toBe('ended');
    expect(snap.frames.in).toBeGreaterThanOrEqual(98);
    expect(snap.frames.out).toBe(snap.frames.in);
    expect(snap.frames.model).toBe(0);
    expect(snap.frames.bicubic).toBe(snap.frames.in);
    expect(snap.fallbacks['predicted_late']).toBe(snap.frames.in);

    const metrics = await getText(`http://127.0.0.1:${s.httpPort}/metrics`);
    const late =
      /^uprez_fallback_frames_total\{[^}]*reason="predicted_late"[^}]*stream="slow"[^}]*\} (\d+)|^uprez_fallback_frames_total\{[^}]*stream="slow"[^}]*reason="predicted_late"[^}]*\} (\d+)/m.exec(
        metrics,
      );
    expect(Number(late?.[1] ?? late?.[2])).toBe(snap.frames.in);
    const segs = readdirSync(path.join(s.dataDir, 'hls', 'slow'), { recursive: true })
      .map(String)
      .filter((f) => /\.(?:ts|m4s)$/.test(f));
    expect(segs.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(s.dataDir, 'hls', 'slow', 'master.m3u8'), 'utf8')).toContain('#EXT-X-STREAM-INF');
    await s.server.close();
    expect(childProcessesNamed('ffmpeg')).toEqual([]);
  });

  /**
   * publishSampled publishes `seconds` of 25 fps and returns the snapshot once `from` frames are in
   * (the stream past its start: warm-up and the decoder's catch-up burst) and the final one.
   */
  async function publishSampled(
    s: Started,
    key: string,
    seconds: number,
    from: number,
    size: { width: number; height: number } = { width: 320, height: 180 },
  ): Promise<{ mid: ApiStream; end: ApiStream }> {
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/${key}`, seconds, ...size, fps: 25 });
    cleanups.push(() => pub.kill());
    const api = `http://127.0.0.1:${s.httpPort}/api/streams/${key}`;
    let mid: ApiStream | undefined;
    await waitUntil(
      async () => {
        const res = await fetch(api);
        if (res.ok) mid = (await res.json()) as ApiStream;
        return mid !== undefined && mid.frames.out >= from;
      },
      60_000,
      `stream ${key} past ${from} frames`,
    );
    expect(await pub.done, pub.stderr()).toBe(0);
    let end: ApiStream | undefined;
    await waitUntil(
      async () => {
        const res = await fetch(api);
        if (res.ok) end = (await res.json()) as ApiStream;
        return end?.state === 'ended' || end?.state === 'failed';
      },
      60_000,
      `stream ${key} to end`,
    );
    return { mid: mid as ApiStream, end: end as ApiStream };
  }

  test('the model ladder: a model that cannot keep up hands the frames to the fallback model, not to bicubic', async () => {
    // A 640x360 input: on one worker uprez-x2 covers a small part of each frame at 25 fps, the tiny
    // model all of it, so the stream's tier (gain x coverage) is the tiny model. At 320x180 the native
    // kernel runs uprez-x2 on most of each frame on this machine and all of it on CI's faster one,
    // where uprez-x2 rightly stayed the tier and this test failed: the size, not the machine, sets it.
    const s = await startServer(['--model', 'uprez-x2', '--fallback-model', 'uprez-x2-tiny', '--inference-workers', '1']);
    const { mid, end } = await publishSampled(s, 'ladder', 8, 75, { width: 640, height: 360 });
    expect(end.state).toBe('ended');
    expect([end.model, end.fallbackModel]).toEqual(['uprez-x2', 'uprez-x2-tiny']);
    expect(end.frames.out).toBe(end.frames.in);
    expect((end.frames.byModel['uprez-x2'] ?? 0) + (end.frames.byModel['uprez-x2-tiny'] ?? 0)).toBe(end.frames.model);
    const frames = end.frames.out - mid.frames.out;
    const tiny = (end.frames.byModel['uprez-x2-tiny'] ?? 0) - (mid.frames.byModel['uprez-x2-tiny'] ?? 0);
    expect(tiny, `${JSON.stringify(mid.frames)} -> ${JSON.stringify(end.frames)}`).toBeGreaterThan(0.8 * frames);

    const metrics = await getText(`http://127.0.0.1:${s.httpPort}/metrics`);
    const counted = /^uprez_model_frames_total\{[^}]*model="uprez-x2-tiny"[^}]*\} (\d+)/m.exec(metrics);
    expect(Number(counted?.[1])).toBe(end.frames.byModel['uprez-x2-tiny']);
    await s.server.close();
    expect(childProcessesNamed('ffmpeg')).toEqual([]);
  });

  test('--fallback-model none: no ladder, the model and bicubic only', async () => {
    // uprez-x2 in onnxruntime on one worker covers part of each 640x360 frame at 25 fps (at 320x180
    // it needs ~55 ms a frame here, too close to 40 ms for a faster CI machine): the rest of the
    // tiles are bicubic, none from a smaller model.
    const s = await startServer([
      '--model',
      'uprez-x2',
      '--fallback-model',
      'none',
      '--inference-workers',
      '1',
      '--inference-engine',
      'onnxruntime',
    ]);
    const { end } = await publishSampled(s, 'noladder', 6, 75, { width: 640, height: 360 });
    expect(end.fallbackModel).toBeNull();
    expect(end.frames.byModel['uprez-x2-tiny']).toBeUndefined();
    expect(end.frames.model + end.frames.bicubic).toBe(end.frames.out);
    expect(end.fallbacks.predicted_late, JSON.stringify(end.fallbacks)).toBeGreaterThan(0);
    await s.server.close();
  });

  test('shutdown while a publisher is live ends every playlist with ENDLIST and leaves no ffmpeg', async () => {
    const s = await startServer([]);
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/live1`, seconds: 30, width: 320, height: 180, fps: 25 });
    cleanups.push(() => pub.kill());
    const dir = path.join(s.dataDir, 'hls', 'live1');
    await waitUntil(
      () =>
        existsSync(dir) &&
        readdirSync(dir, { recursive: true })
          .map(String)
          .some((f) => /\.(?:ts|m4s)$/.test(f)),
      30_000,
      'first segment',
    );
    await s.server.close();
    const playlists = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('index.m3u8'));
    expect(playlists).toHaveLength(2);
    for (const p of playlists) expect(readFileSync(path.join(dir, p), 'utf8').trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    await pub.done;
    expect(childProcessesNamed('ffmpeg')).toEqual([]);
  });
});

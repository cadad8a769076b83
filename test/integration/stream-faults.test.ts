import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseMediaPlaylist } from '../../src/hls/media-playlist.js';
import { childCommandLines, childProcessesNamed, waitUntil } from '../helpers/processes.js';
import { startPublisher, type Publisher } from '../helpers/publisher.js';
import { startTestServer, type StartedServer } from '../helpers/test-server.js';

// Faults a live stream meets in production, against real ffmpeg, the real RTMP ingest and HTTP:
// children killed mid-stream, a publisher that drops and comes back (at another size), one that
// does not come back, and sources of every shape (no audio, 854x480, 60 fps, B-frames, a size
// change mid-publish).

type Started = StartedServer;

interface ApiStream {
  key: string;
  state: string;
  restarts: number;
  reconnects: number;
  hasAudio: boolean;
  frames: { in: number; out: number; lost: Record<string, number> };
  input: { width: number; height: number; fps: number } | null;
  output: { width: number; height: number } | null;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startServer(extra: string[]): Promise<Started> {
  return startTestServer(extra, cleanups, 'uprez-faults-');
}

function publish(s: Started, key: string, o: Omit<Parameters<typeof startPublisher>[0], 'url'>): Publisher {
  const pub = startPublisher({ url: `rtmp://127.0.0.1:${s.rtmpPort}/live/${key}`, ...o });
  cleanups.push(() => pub.kill());
  return pub;
}

async function snapshot(s: Started, key: string): Promise<ApiStream | null> {
  const res = await fetch(`http://127.0.0.1:${s.httpPort}/api/streams/${key}`);
  return res.ok ? ((await res.json()) as ApiStream) : null;
}

async function waitForState(s: Started, key: string, states: string[], ms = 60_000): Promise<ApiStream> {
  let snap: ApiStream | null = null;
  await waitUntil(
    async () => {
      snap = await snapshot(s, key);
      return snap !== null && states.includes(snap.state);
    },
    ms,
    `stream ${key} to be ${states.join(' or ')}`,
  );
  return snap as unknown as ApiStream;
}

/** The top rung's media playlist on disk (the ladder's first variant). */
function topPlaylist(s: Started, key: string): string | null {
  try {
    const master = readFileSync(path.join(s.dataDir, 'hls', key, 'master.m3u8'), 'utf8');
    const uri = /#EXT-X-STREAM-INF:[^\n]*\n([^\n]+)/.exec(master)?.[1];
    return uri ? path.join(s.dataDir, 'hls', key, uri) : null;
  } catch {
    return null;
  }
}

function segmentCount(s: Started, key: string): number {
  const p = topPlaylist(s, key);
  if (!p) return 0;
  try {
    return parseMediaPlaylist(readFileSync(p, 'utf8')).segments.length;
  } catch {
    return 0;
  }
}

/**
 * watchMaster polls the master playlist the way a player would, from its first 200 on, and keeps
 * every answer that was not a 200.
 */
function watchMaster(s: Started, key: string): { stop: () => Promise<string[]> } {
  const failures: string[] = [];
  let seen = false;
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await fetch(`http://127.0.0.1:${s.httpPort}/hls/${key}/master.m3u8`).catch((err: unknown) => ({ status: String(err) }));
      if ('text' in res) await res.text();
      if (res.status === 200) seen = true;
      else if (seen) failures.push(`${new Date().toISOString()} ${res.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      expect(seen, 'the master playlist was served at least once').toBe(true);
      return failures;
    },
  };
}

function ffmpegRole(args: string[]): 'decoder' | 'encoder' | 'other' {
  if (args.includes('pipe:1')) return 'decoder'; // writes y4m to stdout
  if (args.includes('pipe:0')) return 'encoder'; // reads y4m on stdin, writes HLS (MPEG-TS) or fMP4 for LL-HLS
  return 'other';
}

function killChild(role: 'decoder' | 'encoder'): number {
  const target = childCommandLines('ffmpeg').find((c) => ffmpegRole(c.args) === role);
  if (!target)
    throw new Error(`no ${role} ffmpeg running among ${JSON.stringify(childCommandLines('ffmpeg').map((c) => c.args.slice(-3)))}`);
  process.kill(target.pid, 'SIGKILL');
  return target.pid;
}

function probeVideo(file: string): { width: number; height: number; frames: number; audio: boolean } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', file], {
    encoding: 'utf8',
  });
  const streams = (JSON.parse(out) as { streams: { codec_type: string; width?: number; height?: number; nb_read_frames?: string }[] })
    .streams;
  const v = streams.find((st) => st.codec_type === 'video');
  return {
    width: v?.width ?? 0,
    height: v?.height ?? 0,
    frames: Number(v?.nb_read_frames ?? 0),
    audio: streams.some((st) => st.codec_type === 'audio'),
  };
}

/** The playlist's segments are numbered without a gap, it ended, and it marks `discontinuities` restarts. */
function expectContinuousPlaylist(file: string, minDiscontinuities: number): void {
  const text = readFileSync(file, 'utf8');
  const pl = parseMediaPlaylist(text);
  expect(pl.endList, `${file} ends with ENDLIST`).toBe(true);
  const numbers = pl.segments.map((seg) => Number(/(\d+)\.(?:ts|m4s)$/.exec(seg.uri)?.[1]));
  expect(numbers, 'segment numbers follow on across sessions').toEqual(numbers.map((_, i) => (numbers[0] as number) + i));
  expect(numbers, 'file numbers are the media sequence').toEqual(pl.segments.map((seg) => seg.sequence));
  expect((text.match(/#EXT-X-DISCONTINUITY\n/g) ?? []).length).toBeGreaterThanOrEqual(minDiscontinuities);
}

async function metricValue(s: Started, re: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('stream faults (real ffmpeg, RTMP ingest, HTTP)', () => {
  test('decoder and encoder killed with SIGKILL mid-stream: each is restarted, the playlists go on, restarts are counted', async () => {
    const s = await startServer(['--hls-list-size', '100']);
    const pub = publish(s, 'crashy', { seconds: 16, width: 320, height: 180, fps: 25 });
    await waitUntil(() => segmentCount(s, 'crashy') >= 2, 30_000, 'two segments');
    const master = watchMaster(s, 'crashy');

    killChild('encoder');
    await waitUntil(async () => (await snapshot(s, 'crashy'))?.restarts === 1, 15_000, 'the encoder restart');
    const before = segmentCount(s, 'crashy');
    await waitUntil(() => segmentCount(s, 'crashy') > before, 20_000, 'a segment from the new encoder');

    killChild('decoder');
    await waitUntil(async () => (await snapshot(s, 'crashy'))?.restarts === 2, 15_000, 'the decoder restart');
    const before2 = segmentCount(s, 'crashy');
    await waitUntil(() => segmentCount(s, 'crashy') > before2, 20_000, 'a segment after the decoder restart');

    expect(await pub.done, pub.stderr()).toBe(0);
    const snap = await waitForState(s, 'crashy', ['ended', 'failed']);
    expect(snap.state).toBe('ended');
    expect(snap.restarts).toBe(2);
    // 16 s at 25 fps were sent: what did not come out is counted as lost, by reason.
    const lost = snap.frames.lost['decoder_restart']! + snap.frames.lost['encoder_down']!;
    expect(lost).toBeGreaterThan(0);
    expect(snap.frames.out + lost).toBeGreaterThanOrEqual(398);
    expect(await metricValue(s, /^uprez_frames_lost_total\{[^}]*stream="crashy",reason="decoder_restart"\} (\d+)/m)).toBe(
      snap.frames.lost['decoder_restart'],
    );
    expect(await metricValue(s, /^uprez_process_restarts_total\{[^}]*stream="crashy",process="decoder"\} (\d+)/m)).toBe(1);
    expect(await metricValue(s, /^uprez_process_restarts_total\{[^}]*stream="crashy",process="encoder"\} (\d+)/m)).toBe(1);
    expect(await master.stop()).toEqual([]);

    const top = topPlaylist(s, 'crashy') as string;
    expectContinuousPlaylist(top, 2);
    const v = probeVideo(top);
    expect([v.width, v.height]).toEqual([640, 360]);
    expect(v.audio).toBe(true);

    await s.server.close();
    expect(childProcessesNamed('ffmpeg').filter((pid) => pid !== pub.child.pid)).toEqual([]);
  });

  test('a publisher that drops and comes back within the window (at another size) continues the same playlists', async () => {
    const s = await startServer(['--hls-list-size', '100']);
    const first = publish(s, 'flaky', { seconds: 60, width: 320, height: 180, fps: 25 });
    await waitUntil(() => segmentCount(s, 'flaky') >= 2, 30_000, 'two segments');
    const master = watchMaster(s, 'flaky');

    first.kill(); // SIGKILL: the connection drops without an RTMP deleteStream
    const waiting = await waitForState(s, 'flaky', ['reconnecting', 'ended', 'failed'], 20_000);
    expect(waiting.state).toBe('reconnecting');
    // The stream keeps its ladder while it waits; the master playlist stays.
    expect((await fetch(`http://127.0.0.1:${s.httpPort}/hls/flaky/master.m3u8`)).status).toBe(200);

    const second = publish(s, 'flaky', { seconds: 4, width: 480, height: 270, fps: 25 });
    expect(await second.done, second.stderr()).toBe(0);
    const snap = await waitForState(s, 'flaky', ['ended', 'failed']);
    expect(snap.state).toBe('ended');
    expect(snap.reconnects).toBe(1);
    expect(snap.output).toEqual({ width: 640, height: 360 });
    expect(await master.stop()).toEqual([]);

    const top = topPlaylist(s, 'flaky') as string;
    expectContinuousPlaylist(top, 1);
    const v = probeVideo(top);
    expect([v.width, v.height], 'the 480x270 comeback is fitted to the ladder').toEqual([640, 360]);
  });

  test('a dropped publisher that does not come back: the playlists end once the reconnect window has passed', async () => {
    const s = await startServer(['--reconnect-window-s', '2']);
    const pub = publish(s, 'gone', { seconds: 60, width: 320, height: 180, fps: 25 });
    await waitUntil(() => segmentCount(s, 'gone') >= 1, 30_000, 'a segment');
    pub.kill();
    await waitForState(s, 'gone', ['reconnecting'], 20_000);
    const t0 = Date.now();
    const snap = await waitForState(s, 'gone', ['ended', 'failed'], 20_000);
    expect(snap.state).toBe('ended');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    const pl = parseMediaPlaylist(readFileSync(topPlaylist(s, 'gone') as string, 'utf8'));
    expect(pl.endList).toBe(true);
    expect(pl.segments.length).toBeGreaterThanOrEqual(1);
  });

  test('854x480 at 60 fps with B-frames and no audio: every frame through, sized x2, no audio track invented', async () => {
    const s = await startServer(['--hls-list-size', '100']);
    const pub = publish(s, 'wide60', { seconds: 3, width: 854, height: 480, fps: 60, audio: false, bframes: 3 });
    expect(await pub.done, pub.stderr()).toBe(0);
    const snap = await waitForState(s, 'wide60', ['ended', 'failed'], 120_000);
    expect(snap.state).toBe('ended');
    expect(snap.hasAudio).toBe(false);
    expect(snap.input).toEqual({ width: 854, height: 480, fps: 60 });
    expect(snap.output).toEqual({ width: 1708, height: 960 });
    expect(snap.frames.in).toBeGreaterThanOrEqual(175);
    expect(snap.frames.out).toBe(snap.frames.in);
    const v = probeVideo(topPlaylist(s, 'wide60') as string);
    expect([v.width, v.height]).toEqual([1708, 960]);
    expect(v.frames).toBe(snap.frames.out);
    expect(v.audio).toBe(false);
  });

  test('a source that changes resolution mid-publish keeps its ladder and every frame', async () => {
    const s = await startServer(['--hls-list-size', '100']);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-resize-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Two H.264 elementary parts of different sizes in one MPEG-TS: the SPS changes mid-stream.
    const part = (name: string, size: string): string => {
      const file = path.join(dir, name);
      execFileSync('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=${size}:rate=25`,
        '-t',
        '2',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        '25',
        '-f',
        'mpegts',
        file,
      ]);
      return file;
    };
    const both = path.join(dir, 'both.ts');
    const a = readFileSync(part('a.ts', '320x180'));
    const b = readFileSync(part('b.ts', '480x270'));
    execFileSync('sh', ['-c', 'cat "$1" "$2" > "$3"', 'sh', path.join(dir, 'a.ts'), path.join(dir, 'b.ts'), both]);
    expect(readFileSync(both).length).toBe(a.length + b.length);
    const child = spawn(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-re', '-i', both, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${s.rtmpPort}/live/resize`],
      { stdio: 'ignore' },
    );
    cleanups.push(() => void child.kill('SIGKILL'));
    expect(await new Promise((r) => child.on('close', r))).toBe(0);
    const snap = await waitForState(s, 'resize', ['ended', 'failed']);
    expect(snap.state).toBe('ended');
    expect(snap.input).toMatchObject({ width: 320, height: 180 });
    expect(snap.frames.in).toBeGreaterThanOrEqual(98);
    expect(snap.frames.out).toBe(snap.frames.in);
    const v = probeVideo(topPlaylist(s, 'resize') as string);
    expect([v.width, v.height]).toEqual([640, 360]);
    expect(v.frames).toBe(snap.frames.out);
  });
});

/**
 * What the live and density benchmarks share: a real UprezServer in this process, ffmpeg
 * publishers (-re) of a pre-encoded clip, /api/streams polling, and decoding the HLS output.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UprezServer } from '../app/uprez-server.js';
import { parseServeConfig } from '../config/serve-config.js';
import { SupervisedProcess } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import type { StreamSnapshot } from '../stream/stream-snapshot.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { UprezError } from '../errors.js';

/** clipArgs: a WxH 30 fps test clip with audio, H.264/AAC in FLV, as a publisher would send it. */
export function clipArgs(width: number, height: number, seconds: number, file: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=30`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:beep_factor=4:sample_rate=48000',
    '-t',
    String(seconds),
    '-vf',
    'noise=alls=8:allf=t',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '60',
    '-b:v',
    `${Math.round((width * height * 30 * 0.1) / 1000)}k`,
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-f',
    'flv',
    file,
  ];
}

/** publishArgs: send a clip in real time (-re) without re-encoding. */
export function publishArgs(clip: string, url: string): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', clip, '-c', 'copy', '-f', 'flv', url];
}

/** LiveServer is a running in-process server with its ports and scratch data dir. */
export interface LiveServer {
  readonly server: UprezServer;
  readonly rtmpPort: number;
  readonly base: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** startLiveServer starts the real server on free loopback ports with the given serve flags. */
export async function startLiveServer(flags: readonly string[], log: Logger): Promise<LiveServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-live-'));
  const cfg = parseServeConfig(
    [
      '--host',
      '127.0.0.1',
      '--rtmp-port',
      '0',
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
      '--reconnect-window-s',
      '0',
      '--hls-list-size',
      '100000',
      ...flags,
    ],
    {},
  );
  const server = new UprezServer(cfg, { log, env: process.env });
  const { rtmpPort, httpPort } = await server.start();
  return {
    server,
    rtmpPort,
    base: `http://127.0.0.1:${httpPort}`,
    dataDir,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** startPublisher starts one ffmpeg publisher under the supervisor (named bench-publish). */
export function startPublisher(ffmpeg: string, clip: string, url: string, log: Logger): SupervisedProcess {
  const p = new SupervisedProcess({
    name: 'bench-publish',
    bin: ffmpeg,
    args: publishArgs(clip, url),
    log,
    stdin: 'ignore',
    stdout: 'ignore',
  });
  p.start();
  return p;
}

/** makeClip encodes the test clip once per size. */
export async function makeClip(ffmpeg: string, dir: string, width: number, height: number, seconds: number, log: Logger): Promise<string> {
  const file = path.join(dir, `clip-${width}x${height}-${seconds}s.flv`);
  await runFfmpeg({ bin: ffmpeg, args: clipArgs(width, height, seconds, file), name: 'ffmpeg', log: log, timeoutMs: null });
  return file;
}

/** streamSnapshot reads one stream from /api/streams/KEY (undefined while unknown). */
export async function streamSnapshot(base: string, key: string): Promise<StreamSnapshot | undefined> {
  const res = await fetch(`${base}/api/streams/${key}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new UprezError('BENCH_SERVER_FAILED', `/api/streams/${key}: HTTP ${res.status}`);
  return (await res.json()) as StreamSnapshot;
}

/** metricsText reads /metrics. */
export async function metricsText(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new UprezError('BENCH_SERVER_FAILED', `/metrics: HTTP ${res.status}`);
  return res.text();
}

/** metricValue sums the samples of `name` whose labels include every given label (Prometheus text format). */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const have = new Map<string, string>();
    for (const kv of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(kv[1] as string, kv[2] as string);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[2]);
  }
  return sum;
}

/** waitFor polls `check` every 250 ms until it returns a value, or throws after timeoutMs. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new UprezError('BENCH_SERVER_FAILED', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** sampleWhileLive polls the stream every second while `running()` and returns the snapshots taken while it was live. */
export async function sampleWhileLive(base: string, key: string, running: () => boolean): Promise<StreamSnapshot[]> {
  const out: StreamSnapshot[] = [];
  while (running()) {
    const s = await streamSnapshot(base, key);
    if (s?.state === 'live') out.push(s);
    await sleep(1_000);
  }
  return out;
}

/**
 * decodeLuma decodes a media playlist (or any input) to 8-bit luma frames of width x height and
 * hands each to onFrame as it arrives (streamed: a minute at 1440p does not fit in memory).
 */
export async function decodeLuma(
  ffmpeg: string,
  input: string,
  width: number,
  height: number,
  log: Logger,
  onFrame: (y: Uint8Array) => void,
): Promise<number> {
  const p = new SupervisedProcess({
    name: 'bench-decode',
    bin: ffmpeg,
    args: [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-i',
      input,
      '-map',
      '0:v:0',
      '-vf',
      `scale=${width}:${height}:flags=neighbor,format=gray`,
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    log,
    stdin: 'ignore',
  });
  const size = width * height;
  let buf: Buffer = Buffer.alloc(0);
  let frames = 0;
  p.start();
  p.stdout?.on('data', (c: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, c]) : c;
    while (buf.length >= size) {
      onFrame(new Uint8Array(buf.buffer, buf.byteOffset, size));
      frames++;
      buf = buf.subarray(size);
    }
  });
  const exit = await p.exited;
  if (exit.code !== 0) throw new UprezError('FFMPEG_FAILED', `decoding ${input} failed: ${exit.stderrTail.slice(-2).join(' | ')}`);
  return frames;
}

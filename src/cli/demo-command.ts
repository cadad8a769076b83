import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolveFfmpegBinaries } from '../ffmpeg/binaries.js';
import { UprezError } from '../errors.js';
import { isValidStreamKey } from '../media/stream-key.js';
import type { Command } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

/** demoPublishArgs builds the ffmpeg arguments that publish a generated clip with audio (pure). */
export function demoPublishArgs(o: { url: string; seconds: number; width: number; height: number; fps: number }): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostdin',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:beep_factor=4:sample_rate=48000',
    '-t',
    String(o.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(o.fps * 2),
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-f',
    'flv',
    o.url,
  ];
}

/**
 * defaultDemoSize is the clip size `uprez demo` publishes without --size: 640x360 where the server
 * likely has cores to spare, 480x270 on 2 cores or fewer, where a 640x360 30 fps stream left the
 * model no CPU beside the x264 ladder (0.2 % AI frames against 93 % at 480x270, measured on the
 * 2-core dev machine), and a demo that shows no AI frames shows nothing.
 */
export function defaultDemoSize(cores: number): { width: number; height: number } {
  return cores <= 2 ? { width: 480, height: 270 } : { width: 640, height: 360 };
}

const SPEC = {
  host: { type: 'string' },
  'rtmp-port': { type: 'string' },
  'http-port': { type: 'string' },
  key: { type: 'string' },
  seconds: { type: 'string' },
  size: { type: 'string' },
  help: { type: 'boolean' },
} as const;

function num(v: unknown, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UprezError('CLI_BAD_FLAG', `--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/**
 * runDemoCommand is `uprez demo` (npm run demo): publishes a generated test clip with audio to
 * a running `uprez serve` and prints the player URL.
 */
export const runDemoCommand: Command = async (argv, io) => {
  const { values } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(
      'Usage: uprez demo [--host 127.0.0.1] [--rtmp-port 1935] [--http-port 8000] [--key demo] [--seconds 60] [--size WxH]\n' +
        '  --size  the clip size (default 640x360; 480x270 on a machine with 2 cores or fewer, so the model keeps up there)\n',
    );
    return 0;
  }
  const env = io.env;
  const host = String(values['host'] ?? env['UPREZ_DEMO_HOST'] ?? '127.0.0.1');
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(host)) throw new UprezError('CLI_BAD_FLAG', '--host must be a host name or IP address');
  const rtmpPort = num(values['rtmp-port'] ?? env['UPREZ_RTMP_PORT'], 'rtmp-port', 1935, 1, 65535);
  const httpPort = num(values['http-port'] ?? env['UPREZ_HTTP_PORT'], 'http-port', 8000, 1, 65535);
  const key = String(values['key'] ?? 'demo');
  if (!isValidStreamKey(key)) throw new UprezError('CLI_BAD_FLAG', '--key must match [A-Za-z0-9_-]{1,64}');
  const seconds = num(values['seconds'], 'seconds', 60, 1, 86_400);
  const cores = availableParallelism();
  const fallback = defaultDemoSize(cores);
  const size = String(values['size'] ?? `${fallback.width}x${fallback.height}`);
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(size);
  if (!m) throw new UprezError('CLI_BAD_FLAG', '--size must look like 640x360');
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width % 2 || height % 2) throw new UprezError('CLI_BAD_FLAG', '--size must be even in both dimensions (yuv420p)');

  const base = `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}`;
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new UprezError('SERVER_UNREACHABLE', `HTTP ${res.status}`);
  } catch {
    io.stderr.write(
      `uprez demo: no uprez server answers at ${base}/healthz. Start one first with \`npm start\` (or \`uprez serve\`) and run the demo in another terminal.\n`,
    );
    return 1;
  }
  const { ffmpeg } = resolveFfmpegBinaries(env);
  const url = `rtmp://${host}:${rtmpPort}/live/${key}`;
  const why =
    values['size'] === undefined && fallback.width < 640 ? ` (this machine has ${cores} cores; --size 640x360 for a larger one)` : '';
  io.stdout.write(`Publishing a ${seconds}s ${width}x${height} test clip with audio to ${url}${why}\n`);
  io.stdout.write(`Watch it: ${base}/player?stream=${key}\n`);
  const child = spawn(ffmpeg, demoPublishArgs({ url, seconds, width, height, fps: 30 }), { stdio: ['ignore', 'inherit', 'inherit'] });
  const forward = (): void => void child.kill('SIGINT');
  process.once('SIGINT', forward);
  const code = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      io.stderr.write(`uprez demo: could not run ffmpeg: ${err.message}\n`);
      resolve(1);
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  process.off('SIGINT', forward);
  io.stdout.write(
    code === 0 ? `Done. The recording stays playable at ${base}/player?stream=${key}\n` : `ffmpeg exited with code ${code}\n`,
  );
  return code;
};

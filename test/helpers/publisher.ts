import { spawn, type ChildProcess } from 'node:child_process';

/** PublishOptions describe a generated test stream pushed to RTMP by a real ffmpeg. */
export interface PublishOptions {
  readonly url: string;
  readonly seconds: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly audio?: boolean;
  /** Push in real time (-re), like a camera. Default true. */
  readonly realtime?: boolean;
  /** Encode with this many B-frames (a camera or OBS profile) instead of zerolatency's none. */
  readonly bframes?: number;
  /** x264 rate control: a constant quality, or a bitrate cap in kbit/s (the publisher's bits per pixel). Default: x264's CRF 23. */
  readonly crf?: number;
  readonly kbps?: number;
  /** A lavfi video source instead of testsrc2, e.g. `color=c=blue` (size and rate are appended); 'none' for audio only. */
  readonly video?: string;
}

/** Publisher is a running ffmpeg publish; `done` resolves with its exit code. */
export interface Publisher {
  readonly child: ChildProcess;
  readonly done: Promise<number | null>;
  readonly stderr: () => string;
  kill(): void;
}

/** publishArgs builds ffmpeg arguments for a testsrc2 (+ sine) publish to `url`. */
export function publishArgs(o: PublishOptions): string[] {
  const w = o.width ?? 320;
  const h = o.height ?? 180;
  const fps = o.fps ?? 25;
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (o.realtime ?? true) args.push('-re');
  const video = o.video ?? 'testsrc2';
  if (video !== 'none') args.push('-f', 'lavfi', '-i', `${video}${video.includes('=') ? ':' : '='}size=${w}x${h}:rate=${fps}`);
  if (o.audio ?? true) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(o.seconds));
  if (video !== 'none') {
    args.push('-c:v', 'libx264');
    if (o.bframes) args.push('-preset', 'veryfast', '-bf', String(o.bframes));
    else args.push('-preset', 'ultrafast', '-tune', 'zerolatency');
    args.push('-pix_fmt', 'yuv420p', '-g', String(fps * 2));
    if (o.crf !== undefined) args.push('-crf', String(o.crf));
    if (o.kbps !== undefined) args.push('-b:v', `${o.kbps}k`, '-maxrate', `${o.kbps}k`, '-bufsize', `${o.kbps}k`);
  }
  if (o.audio ?? true) args.push('-c:a', 'aac', '-b:a', '96k');
  args.push('-f', 'flv', o.url);
  return args;
}

/** startPublisher spawns the publish; the caller awaits `done` or calls kill(). */
export function startPublisher(o: PublishOptions, ffmpeg = process.env['FFMPEG_PATH'] ?? 'ffmpeg'): Publisher {
  const child = spawn(ffmpeg, publishArgs(o), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, done, stderr: () => err, kill: () => void child.kill('SIGKILL') };
}

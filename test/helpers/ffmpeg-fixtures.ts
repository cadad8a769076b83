import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveFfmpegBinaries, type FfmpegBinaries } from '../../src/ffmpeg/binaries.js';

/** testBinaries resolves ffmpeg/ffprobe the way the app does (FFMPEG_PATH or PATH). */
export function testBinaries(): FfmpegBinaries {
  return resolveFfmpegBinaries();
}

/** TestClipOptions describe a generated clip: testsrc2 video, optionally a sine tone. */
export interface TestClipOptions {
  /** Directory to write into. */
  dir: string;
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  audio?: boolean;
  /** Audio sample rate (default 44100, so the decoder's resampling is exercised). */
  sampleRate?: number;
  /** Start the video this many seconds after the audio (-itsoffset), to test A/V start alignment. */
  videoDelaySeconds?: number;
  /** Start the audio this many seconds after the video. */
  audioDelaySeconds?: number;
  /** File name (default derived from the parameters); the extension picks the container. */
  name?: string;
}

/** testClipArgs builds ffmpeg arguments for makeTestClip (exposed for tests of the helper itself). */
export function testClipArgs(o: TestClipOptions, file: string): string[] {
  const { width = 320, height = 180, fps = 25, seconds = 4, audio = true, sampleRate = 44_100 } = o;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  if (o.videoDelaySeconds) args.push('-itsoffset', String(o.videoDelaySeconds));
  args.push('-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`);
  if (audio && o.audioDelaySeconds) args.push('-itsoffset', String(o.audioDelaySeconds));
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}:duration=${seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps));
  if (audio) args.push('-c:a', 'aac', '-b:a', '96k');
  args.push(file);
  return args;
}

/** makeTestClip writes a clip of the given size/fps/duration (with or without audio) and returns its path. */
export async function makeTestClip(o: TestClipOptions, ffmpeg = testBinaries().ffmpeg): Promise<string> {
  const { width = 320, height = 180, fps = 25, seconds = 4, audio = true } = o;
  const delays = `${o.videoDelaySeconds ? `-vdelay${o.videoDelaySeconds}` : ''}${o.audioDelaySeconds ? `-adelay${o.audioDelaySeconds}` : ''}`;
  // Matroska keeps a stream's start delay as a timestamp; mp4 folds it into the first sample's duration.
  const ext = delays ? 'mkv' : 'mp4';
  const file = path.join(o.dir, o.name ?? `clip-${width}x${height}-${fps}fps-${seconds}s${audio ? '-audio' : ''}${delays}.${ext}`);
  await run(ffmpeg, testClipArgs(o, file));
  return file;
}

/** waitForFile resolves once `file` exists and is non-empty (polls every 50 ms), or rejects after timeoutMs. */
export async function waitForFile(file: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      if (statSync(file).size > 0) return;
    } catch {
      // not there yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** ffmpegChildren lists the pids of live (non-zombie) ffmpeg/ffprobe processes whose parent is this process (Linux /proc). */
export function ffmpegChildren(): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out; // not Linux: nothing to inspect
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …": comm may contain spaces or parens, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (Number(ppid) === process.pid && state !== 'Z' && (comm === 'ffmpeg' || comm === 'ffprobe')) out.push(Number(pid));
  }
  return out;
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

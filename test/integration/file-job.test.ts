import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli, processesMentioning, REPO_ROOT } from '../helpers/built-cli.js';
import { waitUntil } from '../helpers/processes.js';

interface Probe {
  streams: { codec_type: string; codec_name?: string; width?: number; height?: number; nb_read_frames?: string }[];
  format: { duration?: string };
}

function probe(file: string): Probe {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format', file], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as Probe;
}

interface FileResult {
  totalFrames: number;
  segments: number;
  resumedAtSegment: number;
  framesThisRun: number;
  master: string;
  mp4: string | null;
  subtitles: string[];
  rungs: string[];
  output: { width: number; height: number };
}

let dir = '';
let cli = '';
let clip = '';

/** runCli runs `uprez ARGS` as its own process and resolves with its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: REPO_ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** checkOutput asserts the whole VOD output of a 5 s 320x180 25 fps clip upscaled x2. */
function checkOutput(out: string, r: FileResult): void {
  expect(r.totalFrames).toBe(125);
  expect(r.output).toEqual({ width: 640, height: 360 });
  expect(r.rungs).toEqual(['360p', '180p']);
  const master = readFileSync(path.join(out, 'master.m3u8'), 'utf8');
  const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)];
  expect(variants.map((v) => v[2])).toEqual(['360p/index.m3u8', '180p/index.m3u8']);
  for (const [, attrs] of variants) expect(attrs).toMatch(/BANDWIDTH=\d+,RESOLUTION=\d+x\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
  expect(master).toMatch(/#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="eng",LANGUAGE="eng"/);
  for (const [rung, w, h] of [
    ['360p', 640, 360],
    ['180p', 320, 180],
  ] as const) {
    const playlist = path.join(out, rung, 'index.m3u8');
    const text = readFileSync(playlist, 'utf8');
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(text.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    const p = probe(playlist);
    const video = p.streams.find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ width: w, height: h, nb_read_frames: '125' });
    expect(p.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(Number(p.format.duration)).toBeCloseTo(5, 2);
  }
  const vtt = readFileSync(path.join(out, 'subtitles', 's0', 'sub.vtt'), 'utf8');
  expect(vtt).toMatch(/^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:00:00:00\.000\n/);
  expect(vtt).toContain('hello from uprez');
  const mp4 = probe(path.join(out, 'upscaled.mp4'));
  const v = mp4.streams.find((s) => s.codec_type === 'video');
  expect(v).toMatchObject({ width: 640, height: 360, nb_read_frames: '125' });
  const a = mp4.streams.find((s) => s.codec_type === 'audio');
  expect(a?.codec_name).toBe('aac');
  expect(Number(a?.nb_read_frames)).toBeGreaterThan(230); // 5 s of 1024-sample AAC frames at 48 kHz is 234
  expect(mp4.streams.find((s) => s.codec_type === 'subtitle')?.codec_name).toBe('mov_text');
  expect(Number(mp4.format.duration)).toBeCloseTo(5, 1);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-file-'));
  cli = await buildCli(path.join(dir, 'build'));
  writeFileSync(path.join(dir, 'subs.srt'), '1\n00:00:01,000 --> 00:00:02,500\nhello from uprez\n');
  clip = path.join(dir, 'clip.mkv');
  // FLAC audio: no encoder priming, so audio and video both start at 0 and the decoder's A/V
  // alignment adds no frame (an AAC track in Matroska starts ~21 ms before the video, and the
  // decoder then fills that gap with one more frame, which is right but not what we count here).
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=25:duration=5',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100:duration=5',
    '-i',
    path.join(dir, 'subs.srt'),
    '-map',
    '0',
    '-map',
    '1',
    '-map',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-c:a',
    'flac',
    '-c:s',
    'srt',
    '-metadata:s:s:0',
    'language=eng',
    clip,
  ]);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// uprez-x2-fast keeps the run short; the model choice does not change what is checked.
describe('uprez file (real ffmpeg, the fast x2 model, a separate uprez process)', () => {
  test('a 5 s clip with audio and subtitles becomes a VOD ladder and an MP4: every frame x2, same count and duration', async () => {
    const out = path.join(dir, 'out-once');
    const r = await runCli(['file', clip, '--out', out, '--model', 'uprez-x2-fast', '--mp4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as FileResult;
    expect(result.resumedAtSegment).toBe(0);
    expect(result.framesThisRun).toBe(125);
    expect(result.subtitles).toEqual(['subtitles/s0/index.m3u8']);
    checkOutput(out, result);
    // progress lines: frames, fps and ETA
    const lines = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { done: number; total: number; rate: number | null; etaS: number | null; unit: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ done: 125, total: 125, unit: 'frames' });
    expect(lines.some((l) => typeof l.rate === 'number' && l.etaS !== undefined)).toBe(true);
  });

  test('x4 without a x4 model: two x2 passes, every frame source x 4', async () => {
    const small = path.join(dir, 'small.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x90:rate=25:duration=1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      small,
    ]);
    const out = path.join(dir, 'out-x4');
    const r = await runCli(['file', small, '--out', out, '--scale', '4', '--x4', '2x2', '--model', 'uprez-x2-fast', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as FileResult & { upscaler: string };
    expect(result.upscaler).toBe('uprez-x2-fast x2, 2 passes');
    expect(result).toMatchObject({ totalFrames: 25, output: { width: 640, height: 360 }, rungs: ['360p', '90p'] });
    const top = probe(path.join(out, '360p', 'index.m3u8')).streams.find((s) => s.codec_type === 'video');
    expect(top).toMatchObject({ width: 640, height: 360, nb_read_frames: '25' });
  });

  test('killed with SIGKILL halfway, the rerun resumes at the first missing segment and the result is whole', async () => {
    const out = path.join(dir, 'out-resume');
    const stateFile = path.join(out, '.uprez-job.json');
    const child = spawn(
      process.execPath,
      [cli, 'file', clip, '--out', out, '--model', 'uprez-x2-fast', '--mp4', '--segment-seconds', '1'],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    const segmentsDone = (): number => {
      try {
        return (JSON.parse(readFileSync(stateFile, 'utf8')) as { segmentsDone: number }).segmentsDone;
      } catch {
        return 0;
      }
    };
    try {
      await waitUntil(() => segmentsDone() >= 1, 60_000, 'the first finished segment');
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    // Its ffmpeg children see their pipes close and exit by themselves.
    await waitUntil(() => processesMentioning(out).length === 0, 15_000, 'the killed job’s ffmpeg to exit');
    const done = segmentsDone();
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(5);
    const kept = new Map<string, number>();
    for (const rung of ['360p', '180p']) {
      for (let i = 0; i < done; i++) {
        const f = path.join(out, rung, `seg_${String(i).padStart(5, '0')}.ts`);
        kept.set(f, statSync(f).mtimeMs);
      }
    }

    const r = await runCli(['file', clip, '--out', out, '--model', 'uprez-x2-fast', '--mp4', '--segment-seconds', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as FileResult;
    expect(result.resumedAtSegment).toBe(done);
    expect(result.framesThisRun).toBe(125 - done * 25);
    expect(result.segments).toBe(5);
    for (const [f, mtime] of kept) expect(statSync(f).mtimeMs, `${f} was rewritten`).toBe(mtime);
    checkOutput(out, result);

    // A third run finds the job encoded and encodes nothing; it writes a lost playlist and MP4 again.
    rmSync(path.join(out, 'upscaled.mp4'));
    rmSync(path.join(out, 'master.m3u8'));
    const again = await runCli(['file', clip, '--out', out, '--model', 'uprez-x2-fast', '--mp4', '--segment-seconds', '1', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const third = JSON.parse(again.stdout) as FileResult;
    expect(third.framesThisRun).toBe(0);
    for (const [f, mtime] of kept) expect(statSync(f).mtimeMs, `${f} was rewritten`).toBe(mtime);
    checkOutput(out, third);
  });
});

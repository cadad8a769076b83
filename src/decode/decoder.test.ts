import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { UprezError } from '../errors.js';
import { liveChildren, type ProcessExit } from '../ffmpeg/supervised-process.js';
import { silentLogger } from '../log/logger.js';
import { Decoder, type VideoInfo } from './decoder.js';

// The Decoder's own logic (event order, pause/resume, close, errors) against fake "ffmpeg"
// scripts that print a y4m stream; real ffmpeg is covered by test/integration/decode-encode.

const dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-decoder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const decoders: Decoder[] = [];
afterEach(async () => {
  await Promise.all(decoders.splice(0).map((d) => d.close()));
  expect(liveChildren()).toBe(0);
});

// 4x2 yuv420p frames: 12 bytes. Frame k is filled with byte k.
const HEADER = 'YUV4MPEG2 W4 H2 F30000:1001 Ip A1:1 C420mpeg2';
function y4mFile(name: string, frames: number, header = HEADER): string {
  const parts = [Buffer.from(header + '\n')];
  for (let k = 0; k < frames; k++) parts.push(Buffer.from('FRAME\n'), Buffer.alloc(12, k & 255));
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** fakeFfmpeg writes a script that ignores its arguments and runs `body`. */
function fakeFfmpeg(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function decoder(ffmpeg: string, hasAudio = false): Decoder {
  const d = new Decoder({ binaries: { ffmpeg, ffprobe: ffmpeg }, input: '/in.mp4', hasAudio, log: silentLogger });
  decoders.push(d);
  return d;
}

function record(d: Decoder) {
  const events: string[] = [];
  const frames: Uint8Array[] = [];
  let info: VideoInfo | null = null;
  let audio = 0;
  const errors: UprezError[] = [];
  d.on('info', (i) => {
    info = i;
    events.push('info');
  });
  d.on('frame', (f) => {
    frames.push(f);
    events.push('frame');
  });
  d.on('audio', (a) => (audio += a.length));
  d.on('error', (e) => errors.push(e));
  const exit = new Promise<ProcessExit>((r) =>
    d.on('exit', (e) => {
      events.push('exit');
      r(e);
    }),
  );
  return { events, frames, errors, exit, info: () => info, audio: () => audio };
}

describe('Decoder', () => {
  test('info once before the frames, every frame, audio from fd 3, exit last', async () => {
    const file = y4mFile('five.y4m', 5);
    const d = decoder(fakeFfmpeg('five.sh', `head -c 4000 /dev/zero >&3; cat '${file}'`), true);
    const r = record(d);
    d.start();
    const e = await r.exit;
    expect(e.code).toBe(0);
    expect(r.events).toEqual(['info', 'frame', 'frame', 'frame', 'frame', 'frame', 'exit']);
    expect(r.info()).toEqual({ width: 4, height: 2, fpsNum: 30000, fpsDen: 1001 });
    expect(r.frames.map((f) => f[0])).toEqual([0, 1, 2, 3, 4]);
    expect(r.frames.every((f) => f.length === 12)).toBe(true);
    expect(r.audio()).toBe(4000);
    expect(d.framesEmitted).toBe(5);
  });

  test('pause() holds frames, also those already read and after ffmpeg exits; resume() delivers them and then exit', async () => {
    const file = y4mFile('ten.y4m', 10);
    const d = decoder(fakeFfmpeg('ten.sh', `cat '${file}'`));
    const r = record(d);
    d.on('frame', () => {
      if (r.frames.length === 2) d.pause();
    });
    d.start();
    await new Promise((res) => setTimeout(res, 300)); // ffmpeg (cat) is long gone by now
    expect(r.frames).toHaveLength(2);
    expect(r.events).not.toContain('exit');
    d.resume();
    await r.exit;
    expect(r.frames.map((f) => f[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.events.at(-1)).toBe('exit');
  });

  test('pause() before start() is honoured', async () => {
    const file = y4mFile('three.y4m', 3);
    const d = decoder(fakeFfmpeg('three.sh', `cat '${file}'`));
    const r = record(d);
    d.pause();
    d.start();
    await new Promise((res) => setTimeout(res, 150));
    expect(r.frames).toHaveLength(0);
    d.resume();
    await r.exit;
    expect(r.frames).toHaveLength(3);
  });

  test('close() while paused and ffmpeg blocked on a full pipe ends it quickly, exit once', async () => {
    const file = y4mFile('big.y4m', 100_000); // 1.8 MB: far more than a pipe holds
    const d = decoder(fakeFfmpeg('big.sh', `exec cat '${file}'`));
    const r = record(d);
    d.on('frame', () => d.pause());
    d.start();
    await new Promise((res) => setTimeout(res, 200));
    const t0 = Date.now();
    const [a, b] = await Promise.all([d.close(), d.close()]);
    expect(a).toBe(b);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(r.frames).toHaveLength(1);
    expect(r.events.filter((x) => x === 'exit')).toHaveLength(1);
  });

  test('a stream that is not 4:2:0 is an error event, then exit; no frames', async () => {
    const file = y4mFile('444.y4m', 3, 'YUV4MPEG2 W4 H2 F25:1 C444');
    const d = decoder(fakeFfmpeg('444.sh', `cat '${file}'; exec sleep 5`));
    const r = record(d);
    d.start();
    await r.exit;
    expect(r.errors.map((e) => e.code)).toEqual(['Y4M_UNSUPPORTED']);
    expect(r.frames).toHaveLength(0);
  });

  test('a truncated last frame is not emitted', async () => {
    const file = y4mFile('trunc.y4m', 3);
    const d = decoder(fakeFfmpeg('trunc.sh', `head -c -5 '${file}'`));
    const r = record(d);
    d.start();
    await r.exit;
    expect(r.frames).toHaveLength(2);
  });

  test('ffmpeg failing at once (bad input) exits with its code and stderr tail', async () => {
    const d = decoder(fakeFfmpeg('fail.sh', `echo "[error] /in.mp4: No such file or directory" >&2; exit 1`), true);
    const r = record(d);
    d.start();
    const e = await r.exit;
    expect(e.code).toBe(1);
    expect(e.stderrTail.join('\n')).toContain('No such file or directory');
    expect(r.events).toEqual(['exit']);
  });

  test('close() before start() still reports exit', async () => {
    const d = decoder('/nonexistent/ffmpeg');
    const r = record(d);
    await d.close();
    expect(r.events).toEqual(['exit']);
  });
});

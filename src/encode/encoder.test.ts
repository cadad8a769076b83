import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { liveChildren, type ProcessExit } from '../ffmpeg/supervised-process.js';
import { silentLogger } from '../log/logger.js';
import { Encoder, type EncoderOptions } from './encoder.js';
import { y4mStreamHeader } from './y4m-header.js';

// The Encoder's own logic (wire format, backpressure, crash handling, teardown) against fake
// "ffmpeg" scripts; the real HLS output is covered by test/integration/decode-encode.

const dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-encoder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const encoders: Encoder[] = [];
afterEach(async () => {
  await Promise.all(encoders.splice(0).map((e) => e.close()));
  expect(liveChildren()).toBe(0);
});

function fakeFfmpeg(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

// Source 4x2 x2 -> 8x4 frames: 32 + 8 + 8 = 48 bytes.
function encoder(ffmpeg: string, over: Partial<EncoderOptions> = {}): Encoder {
  const e = new Encoder({
    binaries: { ffmpeg, ffprobe: ffmpeg },
    outDir: path.join(dir, `out-${encoders.length}`),
    source: { width: 4, height: 2, fpsNum: 25, fpsDen: 1 },
    scale: 2,
    hasAudio: false,
    log: silentLogger,
    ...over,
  });
  encoders.push(e);
  return e;
}

const exitOf = (e: Encoder): Promise<ProcessExit> => new Promise((r) => e.on('exit', r));

describe('Encoder', () => {
  test('writes a y4m stream of the upscaled size: header, then FRAME + data per frame', async () => {
    const sink = path.join(dir, 'stdin.bin');
    const e = encoder(fakeFfmpeg('sink.sh', `exec cat > '${sink}'`));
    expect(e.frameSize).toBe(48);
    expect(e.rungs.map((r) => r.name)).toEqual(['4p', '2p']);
    e.start();
    e.writeFrame(new Uint8Array(48).fill(7));
    e.writeFrame(new Uint8Array(48).fill(9));
    const x = await e.end();
    expect(x.code).toBe(0);
    const header = 'YUV4MPEG2 W8 H4 F25:1 Ip A1:1 C420mpeg2\n';
    const want = Buffer.concat([
      Buffer.from(header),
      Buffer.from('FRAME\n'),
      Buffer.alloc(48, 7),
      Buffer.from('FRAME\n'),
      Buffer.alloc(48, 9),
    ]);
    expect(readFileSync(sink)).toEqual(want);
    expect(e.framesWritten).toBe(2);
  });

  test('a frame of the wrong size stops the encoder with the reason instead of throwing into the caller', async () => {
    const e = encoder(fakeFfmpeg('idle.sh', 'exec cat >/dev/null'));
    e.start();
    const exited = new Promise((r) => e.on('exit', r));
    expect(e.writeFrame(new Uint8Array(12))).toBe(false);
    await exited;
    expect(e.failure).toMatch(/12 bytes.*needs 48/);
  });

  test('writeFrame returns false past the bound and `drain` follows once ffmpeg catches up; nothing is lost', async () => {
    const sink = path.join(dir, 'slow.bin');
    const e = encoder(fakeFfmpeg('slow.sh', `sleep 0.3; exec cat > '${sink}'`), {
      source: { width: 320, height: 180, fpsNum: 25, fpsDen: 1 },
      videoBufferFrames: 2,
    });
    e.start();
    const frame = new Uint8Array(e.frameSize); // 640x360: 345600 bytes, more than a pipe holds
    const results = [0, 1, 2, 3, 4].map(() => e.writeFrame(frame));
    expect(results.includes(false)).toBe(true);
    await new Promise<void>((r) => e.on('drain', () => r()));
    expect((await e.end()).code).toBe(0);
    const header = Buffer.byteLength(y4mStreamHeader({ width: 640, height: 360, fpsNum: 25, fpsDen: 1 }));
    expect(readFileSync(sink).length).toBe(header + 5 * (6 + e.frameSize));
  });

  test('audio: false only past audioBufferSeconds, and drain when ffmpeg reads it', async () => {
    const e = encoder(fakeFfmpeg('audio.sh', `sleep 0.3; cat <&3 >/dev/null & exec cat >/dev/null`), {
      hasAudio: true,
      audioBufferSeconds: 1,
    });
    e.start();
    const half = Buffer.alloc(96_000); // 0.5 s
    expect(e.writeAudio(half)).toBe(true);
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) refused = !e.writeAudio(half);
    expect(refused).toBe(true);
    await new Promise<void>((r) => e.on('drain', () => r()));
    expect((await e.end()).code).toBe(0);
  });

  test('ffmpeg crashing mid-write becomes an exit event (EPIPE as data), later writes return false', async () => {
    const e = encoder(fakeFfmpeg('crash.sh', 'head -c 1000 >/dev/null; exit 3'), {
      source: { width: 320, height: 180, fpsNum: 25, fpsDen: 1 },
    });
    const exit = exitOf(e);
    e.start();
    const frame = new Uint8Array(e.frameSize);
    for (let i = 0; i < 8; i++) e.writeFrame(frame);
    const x = await exit;
    expect(x.code).toBe(3);
    expect(e.writeFrame(frame)).toBe(false);
    expect((await e.close()).code).toBe(3);
  });

  test('close() discards the backlog and kills an ffmpeg that does not stop; idempotent', async () => {
    const e = encoder(fakeFfmpeg('stuck.sh', 'trap "" TERM; exec sleep 30'), { closeGraceMs: 200 });
    e.start();
    e.writeFrame(new Uint8Array(48));
    const t0 = Date.now();
    const [a, b] = await Promise.all([e.close(), e.close()]);
    expect(a).toBe(b);
    expect(a.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(e.writeFrame(new Uint8Array(48))).toBe(false);
  });

  test('end() and close() before start() resolve without spawning', async () => {
    const e = encoder('/nonexistent/ffmpeg');
    expect((await e.end()).error).toBe('stopped before start');
    expect((await e.close()).error).toBe('stopped before start');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { childProcessesNamed, waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';

// Faults an operator can cause: a data dir that cannot be written (at start, or full under one
// stream at run time) and a model file that is corrupt or of the wrong shape.

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmpDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'uprez-srvfault-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function server(dataDir: string, extra: string[] = []): UprezServer {
  const config = parseServeConfig(['--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, ...extra], {});
  const s = new UprezServer(config, { log: silentLogger });
  cleanups.push(() => s.close());
  return s;
}

/** mountTmpfs mounts a size-limited tmpfs (root only); null when this machine does not allow it. */
function mountTmpfs(dir: string, opts: string): string | null {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]})`;
  }
  cleanups.push(() => {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  });
  return null;
}

interface ApiStream {
  state: string;
  error: string | null;
  frames: { in: number; out: number; model: number; bicubic: number };
  fallbacks: Record<string, number>;
}

async function waitEnded(httpPort: number, key: string, ms: number): Promise<ApiStream> {
  let snap: ApiStream | null = null;
  await waitUntil(
    async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/streams/${key}`);
      snap = res.ok ? ((await res.json()) as ApiStream) : null;
      return snap !== null && (snap.state === 'ended' || snap.state === 'failed');
    },
    ms,
    `stream ${key} to end`,
  );
  return snap as unknown as ApiStream;
}

describe('data dir faults', () => {
  test('a data dir that is a file stops the start with one line naming the option', async () => {
    const file = path.join(tmpDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    await expect(server(file).start()).rejects.toThrow(/data dir .*not-a-dir is not writable \(--data-dir \/ UPREZ_DATA_DIR\)/);
    expect(childProcessesNamed('ffmpeg')).toEqual([]);
  });

  test('a read-only data dir stops the start (even for root, which access() would let through)', async (ctx) => {
    const dir = path.join(tmpDir(), 'ro');
    const why = mountTmpfs(dir, 'size=1m,ro');
    if (why) return ctx.skip(why);
    await expect(server(dir).start()).rejects.toThrow(/data dir .*ro is not writable \(--data-dir \/ UPREZ_DATA_DIR\)/);
  });

  test('a stream whose directory fills up fails with a clear reason; a stream beside it is unaffected', async (ctx) => {
    const dataDir = tmpDir();
    const why = mountTmpfs(path.join(dataDir, 'hls', 'full'), 'size=512k');
    if (why) return ctx.skip(why);
    const s = server(dataDir, ['--reconnect-window-s', '0']);
    const { rtmpPort, httpPort } = await s.start();
    // Long enough for the encoder's restarts to run out first (~37 s here, more on a loaded machine);
    // a publish that ends sooner fails the stream on its ENDLIST write instead, which is not this path.
    const full = startPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live/full`, seconds: 100, width: 320, height: 180 });
    cleanups.push(() => full.kill());
    const fine = startPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live/fine`, seconds: 5, width: 320, height: 180 });
    cleanups.push(() => fine.kill());

    const failed = await waitEnded(httpPort, 'full', 100_000);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/^encoder failed \d+ times within a minute: .*No space left on device/);

    expect(await fine.done, fine.stderr()).toBe(0);
    const ok = await waitEnded(httpPort, 'fine', 30_000);
    expect(ok.state).toBe('ended');
    expect(ok.error).toBeNull();
    expect(ok.frames.in).toBeGreaterThanOrEqual(120);
    expect(ok.frames.out).toBe(ok.frames.in);
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
  }, 150_000);
});

describe('model faults', () => {
  test.each([
    ['corrupt', 'broken.onnx', /model broken .* is not usable: .*Protobuf parsing failed/],
    [
      'wrong-shaped',
      'wrong-shape.onnx',
      /model wrong-shape .* is not usable: input "y" uint8 \[1,3,height,width\] is not uint8 \[1,1,H,W\]/,
    ],
  ])('a %s model stops the start with a clear error', async (_what, file, message) => {
    await expect(server(tmpDir(), ['--model', path.join(fixtures, file)]).start()).rejects.toThrow(message);
  });

  test.each([
    ['corrupt', ['--fallback-model', path.join(fixtures, 'broken.onnx')], /model broken .* is not usable: .*Protobuf parsing failed/],
    ['missing', ['--fallback-model', 'no-such-model'], /--fallback-model no-such-model: .* does not exist/],
    [
      'the model itself',
      ['--model', 'uprez-x2-fast', '--fallback-model', 'uprez-x2-fast'],
      /--fallback-model uprez-x2-fast is the model itself/,
    ],
  ])('a %s fallback model stops the start with a clear error', async (_what, flags, message) => {
    await expect(server(tmpDir(), flags).start()).rejects.toThrow(message);
  });

  test('with --on-model-error bicubic a corrupt fallback model is logged and the ladder is model then bicubic', async () => {
    const s = server(tmpDir(), ['--fallback-model', path.join(fixtures, 'broken.onnx'), '--on-model-error', 'bicubic']);
    await s.start();
    expect(s.modelError).toBeNull(); // the model itself serves
  });

  test('with --on-model-error bicubic a corrupt model is reported and every frame takes bicubic (no_model)', async () => {
    const s = server(tmpDir(), ['--model', path.join(fixtures, 'broken.onnx'), '--on-model-error', 'bicubic']);
    const { rtmpPort, httpPort } = await s.start();
    expect(s.modelError).toMatch(/Protobuf parsing failed/);
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${rtmpPort}/live/nomodel`, seconds: 2, width: 320, height: 180 });
    cleanups.push(() => pub.kill());
    expect(await pub.done).toBe(0);
    const snap = await waitEnded(httpPort, 'nomodel', 30_000);
    expect(snap.state).toBe('ended');
    expect(snap.frames.out).toBe(snap.frames.in);
    expect(snap.frames.model).toBe(0);
    expect(snap.fallbacks['no_model']).toBe(snap.frames.out);
  });
});

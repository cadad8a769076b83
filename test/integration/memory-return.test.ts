import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli } from '../helpers/built-cli.js';
import { waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';

/** What a 720p stream may leave behind in a server's resident memory once it has ended (MB). */
const MARGIN_MB = 150;

let dir = '';
let cli = '';
let server: ChildProcess | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'uprez-mem-'));
  cli = await buildCli(path.join(dir, 'build'));
}, 180_000);

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function listening(log: () => string): Promise<{ rtmp: number; http: number }> {
  let ports: { rtmp: number; http: number } | null = null;
  await waitUntil(
    () => {
      const m = /rtmp=rtmp:\/\/[^:]+:(\d+)\/live\/KEY player=http:\/\/[^:]+:(\d+)\/player/.exec(log());
      if (m) ports = { rtmp: Number(m[1]), http: Number(m[2]) };
      return ports !== null;
    },
    60_000,
    'the server to listen',
  );
  return ports as unknown as { rtmp: number; http: number };
}

describe('memory comes back after a stream (issue 11)', () => {
  test(`after a 1280x720 stream ends, resident memory is back within ${MARGIN_MB} MB of the idle figure`, async () => {
    const dataDir = path.join(dir, 'data');
    server = spawn(
      process.execPath,
      [cli, 'serve', '--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--log-level', 'info'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const pid = server.pid as number;
    const ports = await listening(() => log);
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = rssMb(pid);

    const pub = startPublisher({ url: `rtmp://127.0.0.1:${ports.rtmp}/live/hd`, seconds: 6, width: 1280, height: 720, fps: 25 });
    let peak = idle;
    let state = '';
    await waitUntil(
      async () => {
        peak = Math.max(peak, rssMb(pid));
        const res = await fetch(`http://127.0.0.1:${ports.http}/api/streams/hd`).catch(() => null);
        if (res?.ok) state = ((await res.json()) as { state: string }).state;
        return state === 'ended' || state === 'failed';
      },
      240_000,
      'the 720p stream to end',
    );
    expect(await pub.done).toBe(0);
    expect(state).toBe('ended');
    await new Promise((r) => setTimeout(r, 3_000));
    const after = rssMb(pid);
    console.log(`server RSS: idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after the stream ${after.toFixed(0)} MB`);
    expect(after - idle).toBeLessThan(MARGIN_MB);
  }, 300_000);
});

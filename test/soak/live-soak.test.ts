import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { childCommandLines, childProcessesNamed, waitUntil } from '../helpers/processes.js';
import { startPublisher } from '../helpers/publisher.js';

// The soak: one live stream for UPREZ_SOAK_MINUTES (default 10) with a decoder kill and a
// publisher drop + reconnect along the way, sampling the server's RSS, open file descriptors,
// ffmpeg children and bytes on disk. Run on demand: `npm run test:soak` (UPREZ_SOAK=1).
// It writes test-artifacts/soak.json and prints the table.

const enabled = process.env['UPREZ_SOAK'] === '1';
const minutes = Number(process.env['UPREZ_SOAK_MINUTES'] ?? 10);

interface Sample {
  atS: number;
  rssMiB: number;
  heapMiB: number;
  fds: number;
  ffmpeg: number;
  diskKiB: number;
  segments: number;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function diskUsage(dir: string): { bytes: number; segments: number } {
  let bytes = 0;
  let segments = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        bytes += statSync(p).size;
        if (/\.(?:ts|m4s)$/.test(e.name) && !/_p\d+\.m4s$/.test(e.name)) segments++;
      }
    }
  };
  walk(dir);
  return { bytes, segments };
}

describe.skipIf(!enabled)(`soak: a live stream for ${minutes} min (UPREZ_SOAK=1)`, () => {
  test('RSS, file descriptors, children and disk stay flat', { timeout: (minutes + 3) * 60_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'uprez-soak-'));
    const config = parseServeConfig(
      ['--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, '--hls-list-size', '6'],
      {},
    );
    const server = new UprezServer(config, { log: silentLogger });
    const { rtmpPort, httpPort } = await server.start();
    const url = `rtmp://127.0.0.1:${rtmpPort}/live/soak`;
    const totalS = minutes * 60;
    const samples: Sample[] = [];
    const t0 = Date.now();
    const sample = (): Sample => {
      const mem = process.memoryUsage();
      const du = diskUsage(path.join(dataDir, 'hls'));
      const s = {
        atS: Math.round((Date.now() - t0) / 1000),
        rssMiB: +(mem.rss / 2 ** 20).toFixed(1),
        heapMiB: +(mem.heapUsed / 2 ** 20).toFixed(1),
        fds: openFds(),
        ffmpeg: childProcessesNamed('ffmpeg').length,
        diskKiB: Math.round(du.bytes / 1024),
        segments: du.segments,
      };
      samples.push(s);
      return s;
    };
    let pub = startPublisher({ url, seconds: totalS + 60, width: 320, height: 180, fps: 25 });
    try {
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${httpPort}/hls/soak/master.m3u8`)).ok, 30_000, 'the master playlist');
      await new Promise((r) => setTimeout(r, 30_000)); // warm: model, ladder, window full
      const start = sample();
      const dropAt = Math.floor(totalS / 3);
      const killAt = Math.floor((2 * totalS) / 3);
      let dropped = false;
      let killed = false;
      while (Date.now() - t0 < totalS * 1000) {
        await new Promise((r) => setTimeout(r, 15_000));
        const at = (Date.now() - t0) / 1000;
        if (!dropped && at >= dropAt) {
          dropped = true;
          pub.kill(); // a dropped publisher that comes back
          await new Promise((r) => setTimeout(r, 3_000));
          pub = startPublisher({ url, seconds: totalS + 60, width: 320, height: 180, fps: 25 });
        }
        if (!killed && at >= killAt) {
          killed = true;
          const dec = childCommandLines('ffmpeg').find((c) => c.args.includes('pipe:1'));
          if (dec) process.kill(dec.pid, 'SIGKILL');
        }
        sample();
      }
      await new Promise((r) => setTimeout(r, 20_000)); // settle after the last fault
      const end = sample();
      const snap = (await (await fetch(`http://127.0.0.1:${httpPort}/api/streams/soak`)).json()) as {
        state: string;
        restarts: number;
        reconnects: number;
        frames: { in: number; out: number };
      };
      mkdirSync('test-artifacts', { recursive: true });
      writeFileSync('test-artifacts/soak.json', JSON.stringify({ minutes, start, end, samples, stream: snap }, null, 2));
      console.table([
        { when: 'start', ...start },
        { when: 'end', ...end },
      ]);
      expect(snap.state).toBe('live');
      expect(snap.reconnects).toBe(1);
      expect(snap.restarts).toBeGreaterThanOrEqual(1);
      expect(snap.frames.out).toBeGreaterThan(snap.frames.in - 60); // in flight at most
      expect(end.fds - start.fds, 'open file descriptors').toBeLessThanOrEqual(4);
      expect(end.rssMiB - start.rssMiB, 'RSS growth, MiB').toBeLessThan(64);
      expect(end.ffmpeg).toBe(start.ffmpeg);
      // The retention window: 6 listed + a few behind, per rung, whatever the duration.
      expect(end.segments).toBeLessThanOrEqual(2 * (6 + 6));
    } finally {
      pub.kill();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

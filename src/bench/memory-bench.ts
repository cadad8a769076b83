/**
 * Memory: the resident memory of a real `uprez serve` process (its own, and with its ffmpeg
 * children) when idle, at the peak of one live stream at 640x360 and at 1280x720, and after
 * each stream has ended (what it gives back). The server runs as its own process (the built
 * CLI), so the bench's own memory does not count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.js';
import { row, type BenchSection } from './bench-section.js';
import { fmt } from './bench-stats.js';
import { makeClip, startPublisher, streamSnapshot, waitFor } from './live-harness.js';

/** MemoryBenchOptions: ffmpeg, model flag, seconds per stream. */
export interface MemoryBenchOptions {
  readonly ffmpeg: string;
  readonly model: string | undefined;
  readonly seconds: number;
  readonly log: Logger;
}

async function rssMiB(pid: number): Promise<number> {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** childrenOf lists the pids whose parent is `pid` (its ffmpeg decoders and encoders). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

interface Case {
  readonly size: string;
  readonly peakServer: number;
  readonly peakWithChildren: number;
  readonly after: number;
  readonly frames: string;
}

async function startServer(dataDir: string, model: string | undefined): Promise<{ child: ChildProcess; rtmp: number; http: number }> {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const args = [
    main,
    'serve',
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
    ...(model ? ['--model', model] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const ports = await waitFor('the server to listen', 60_000, async () => {
    const m = /rtmp=rtmp:\/\/[^:]+:(\d+)\/live\/KEY player=http:\/\/[^:]+:(\d+)\/player/.exec(log);
    return m ? { rtmp: Number(m[1]), http: Number(m[2]) } : undefined;
  });
  return { child, ...ports };
}

/** runMemoryBench measures idle, one 360p and one 720p stream, each side of the stream's end. */
export async function runMemoryBench(o: MemoryBenchOptions): Promise<BenchSection> {
  const dir = await mkdtemp(path.join(tmpdir(), 'uprez-bench-memory-'));
  const cases: Case[] = [];
  let idle = 0;
  let srv: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    srv = await startServer(path.join(dir, 'data'), o.model);
    const pid = srv.child.pid as number;
    await new Promise((r) => setTimeout(r, 3_000));
    idle = await rssMiB(pid);
    for (const [w, h] of [
      [640, 360],
      [1280, 720],
    ] as const) {
      const clip = await makeClip(o.ffmpeg, dir, w, h, o.seconds, o.log);
      const key = `mem${h}`;
      const pub = startPublisher(o.ffmpeg, clip, `rtmp://127.0.0.1:${srv.rtmp}/live/${key}`, o.log);
      let peakServer = 0;
      let peakAll = 0;
      const base = `http://127.0.0.1:${srv.http}`;
      const end = await waitFor(`stream ${key} to end`, 600_000, async () => {
        const own = await rssMiB(pid);
        let all = own;
        for (const c of await childrenOf(pid)) all += await rssMiB(c);
        peakServer = Math.max(peakServer, own);
        peakAll = Math.max(peakAll, all);
        const s = await streamSnapshot(base, key);
        await new Promise((r) => setTimeout(r, 250));
        return s && (s.state === 'ended' || s.state === 'failed') ? s : undefined;
      });
      await pub.exited;
      await new Promise((r) => setTimeout(r, 5_000));
      cases.push({
        size: `${w}x${h}`,
        peakServer,
        peakWithChildren: peakAll,
        after: await rssMiB(pid),
        frames: `${end.frames.out}/${end.frames.in} frames, ${fmt(100 * end.aiPixelShare, 0)} % model pixels`,
      });
    }
  } finally {
    srv?.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1_000));
    srv?.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
  return {
    id: 'memory',
    title: 'Memory: one uprez serve process, idle, during one live stream and after it',
    rows: [
      row('idle (models loaded)', `${fmt(idle, 0)} MiB`, '', null),
      ...cases.flatMap((c) => [
        row(
          `${c.size} 30 fps, peak`,
          `${fmt(c.peakServer, 0)} MiB (with its ffmpeg decoder and encoder: ${fmt(c.peakWithChildren, 0)} MiB)`,
          c.frames,
          null,
        ),
        row(
          `${c.size}, 5 s after the stream ended`,
          `${fmt(c.after, 0)} MiB`,
          `idle ${fmt(idle, 0)} MiB`,
          c.after / Math.max(1, idle),
          '<= 2.0',
        ),
      ]),
    ],
    notes: [
      `One server process (the built CLI, models: ${o.model ?? 'the live defaults'}), one stream at a time, ${o.seconds} s of testsrc2 with audio, RSS from /proc every 250 ms; "with ffmpeg" adds the stream's decoder and encoder processes.`,
      'What holds memory during a stream: the models run in tiles, so their activations are bounded by the tile, not the frame; frame-sized buffers are mmapped and returned when freed (native/memory); a stream that ends is followed by a full GC and malloc_trim. Before these (2026-12-05), a 20 s 1280x720 stream took the server from 143 MB to 2.1 GB and it stayed there.',
    ],
  };
}

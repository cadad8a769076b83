import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { RtmpIngest, type PublishEvent, type PublishRefusal } from '../../src/ingest/rtmp-ingest.js';
import { signPublish } from '../../src/ingest/publish-auth.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { startPublisher, type Publisher } from '../helpers/publisher.js';

let ingest: RtmpIngest | undefined;
const publishers: Publisher[] = [];

afterEach(async () => {
  for (const p of publishers.splice(0)) p.kill();
  await ingest?.close();
  ingest = undefined;
});

async function startIngest(extra: Partial<ConstructorParameters<typeof RtmpIngest>[0]> = {}): Promise<{
  ingest: RtmpIngest;
  port: number;
  events: { publish: PublishEvent[]; unpublish: string[]; clean: boolean[]; refused: PublishRefusal[] };
}> {
  ingest = new RtmpIngest({ host: '127.0.0.1', port: 0, log: silentLogger, ...extra });
  const events = { publish: [] as PublishEvent[], unpublish: [] as string[], clean: [] as boolean[], refused: [] as PublishRefusal[] };
  ingest.on('publish', (e) => events.publish.push(e));
  ingest.on('unpublish', (k, _id, clean) => {
    events.unpublish.push(k);
    events.clean.push(clean);
  });
  ingest.on('refused', (r) => events.refused.push(r));
  const port = await ingest.start();
  return { ingest, port, events };
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** play runs an ffmpeg RTMP player and resolves with the frames it decoded. */
function play(url: string): Promise<{ code: number | null; frames: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-rw_timeout', '5000000', '-i', url, '-f', 'null', '-'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const m = [...err.matchAll(/frame=\s*(\d+)/g)].pop();
      resolve({ code, frames: m ? Number(m[1]) : 0, stderr: err });
    });
  });
}

/** decodeFeed runs ffmpeg on a publish's feed (FLV on stdin, as the decoder reads it); resolves with the frames decoded. */
function decodeFeed(feed: PublishEvent['feed']): Promise<{ code: number | null; frames: number }> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-f', 'flv', '-i', 'pipe:0', '-f', 'null', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    feed.attach(p.stdin);
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      feed.detach(p.stdin);
      const m = [...err.matchAll(/frame=\s*(\d+)/g)].pop();
      resolve({ code, frames: m ? Number(m[1]) : 0 });
    });
  });
}

describe('RtmpIngest (real ffmpeg over RTMP)', () => {
  test('announces a publish with audio; its feed carries every frame from the first and ends with the publish', async () => {
    const { ingest, port, events } = await startIngest();
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/cam_1`, seconds: 3 });
    publishers.push(pub);
    await until(() => events.publish.length === 1);
    const e = events.publish[0]!;
    expect(e.key).toBe('cam_1');
    expect(e.hasAudio).toBe(true);
    expect(ingest.isLive('cam_1')).toBe(true);
    // Attached late on purpose: the feed holds the publish from its first tag.
    await new Promise((r) => setTimeout(r, 1_000));
    const decoded = decodeFeed(e.feed);
    expect(await pub.done).toBe(0);
    await until(() => events.unpublish.length === 1);
    expect(events.clean).toEqual([true]);
    const r = await decoded;
    expect(r.code).toBe(0);
    expect(r.frames).toBe(75); // 3 s at 25 fps: all of them
    expect(ingest.isLive('cam_1')).toBe(false);
  });

  test('a dropped publisher (killed, no deleteStream) is reported as not clean', async () => {
    const { port, events } = await startIngest();
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/dropper`, seconds: 10 });
    publishers.push(pub);
    await until(() => events.publish.length === 1);
    pub.kill();
    await until(() => events.unpublish.length === 1);
    expect(events.clean).toEqual([false]);
  });

  test('a publish without audio says so', async () => {
    const { port, events } = await startIngest();
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/silent`, seconds: 2, audio: false });
    publishers.push(pub);
    await until(() => events.publish.length === 1);
    expect(events.publish[0]!.hasAudio).toBe(false);
    await pub.done;
  });

  test('refuses a key longer than 64 characters, and a second publisher on a live key', async () => {
    const { port, events } = await startIngest();
    const long = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/${'k'.repeat(65)}`, seconds: 2 });
    publishers.push(long);
    expect(await long.done).not.toBe(0);
    expect(events.refused).toContain('invalid_key');
    const first = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/dup`, seconds: 4 });
    publishers.push(first);
    await until(() => events.publish.length === 1);
    const second = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/dup`, seconds: 2 });
    publishers.push(second);
    expect(await second.done).not.toBe(0);
    expect(events.refused).toContain('duplicate');
    expect(events.publish).toHaveLength(1);
  });

  test('refuses RTMP play (viewers use HLS), and survives garbage bytes', async () => {
    const { port, events } = await startIngest();
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/open`, seconds: 3 });
    publishers.push(pub);
    await until(() => events.publish.length === 1);
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(Buffer.alloc(4096, 0xab));
    sock.destroy();
    const r = await play(`rtmp://127.0.0.1:${port}/live/open`);
    expect(r.frames).toBe(0);
    expect(r.stderr).toContain('RTMP playback is not offered');
    expect(await pub.done).toBe(0);
  });
});

/** closedWithin resolves true when the server closes `sock` within `ms`. */
function closedWithin(sock: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    sock.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function connect(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {
    /* the server may reset us; that is the point */
  });
  await new Promise((r) => sock.once('connect', r));
  return sock;
}

describe('RtmpIngest against hostile clients', () => {
  test('a truncated handshake, garbage after a real handshake and a silent half-open socket are dropped; a live publish is untouched', async () => {
    const { port, events } = await startIngest({ idleTimeoutMs: 1_500 });
    const pub = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/steady`, seconds: 5 });
    publishers.push(pub);
    await until(() => events.publish.length === 1);

    // C0 and a third of C1, then nothing.
    const truncated = await connect(port);
    truncated.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(500, 7)]));
    // A whole handshake, then chunk headers announcing a 16 MB AMF command, then noise.
    const garbage = await connect(port);
    const s0s1s2 = new Promise<void>((resolve) => {
      let got = 0;
      garbage.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 1 + 1536 * 2) resolve();
      });
    });
    garbage.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 1)]));
    await s0s1s2;
    garbage.write(Buffer.alloc(1536, 2)); // C2
    garbage.write(Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 0x14, 0, 0, 0, 0]));
    garbage.write(Buffer.alloc(8192, 0xee));
    // Connected, never a byte.
    const silent = await connect(port);

    const closes = await Promise.all([truncated, garbage, silent].map((s) => closedWithin(s, 6_000)));
    expect(closes).toEqual([true, true, true]);
    expect(await pub.done).toBe(0);
    await until(() => events.unpublish.length === 1);
    expect(events.clean).toEqual([true]);
    expect(events.publish).toHaveLength(1);

    // And the server still takes a new publish.
    const again = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/after`, seconds: 1 });
    publishers.push(again);
    expect(await again.done).toBe(0);
    expect(events.publish.map((e) => e.key)).toEqual(['steady', 'after']);
  });
});

describe('RtmpIngest publish auth and rate limit', () => {
  test('a key list admits listed keys only', async () => {
    const { port, events } = await startIngest({ auth: { mode: 'keys', keys: new Set(['allowed']) } });
    const bad = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/intruder`, seconds: 2 });
    publishers.push(bad);
    expect(await bad.done).not.toBe(0);
    expect(events.refused).toEqual(['unknown_key']);
    const ok = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/allowed`, seconds: 2 });
    publishers.push(ok);
    await until(() => events.publish.length === 1);
    expect(await ok.done).toBe(0);
  });

  test('HMAC-signed URLs with an expiry; refusals are logged without the secret', async () => {
    const lines: string[] = [];
    const secret = 'very-secret-value';
    const { port, events } = await startIngest({
      auth: { mode: 'hmac', secret },
      log: createLogger({ level: 'debug', sink: (l) => lines.push(l) }),
    });
    const unsigned = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/cam`, seconds: 2 });
    publishers.push(unsigned);
    expect(await unsigned.done).not.toBe(0);
    const expired = signPublish(secret, 'cam', Math.floor(Date.now() / 1000) - 10);
    const old = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/cam?exp=${expired.exp}&sig=${expired.sig}`, seconds: 2 });
    publishers.push(old);
    expect(await old.done).not.toBe(0);
    expect(events.refused).toEqual(['missing_signature', 'expired']);
    const q = signPublish(secret, 'cam', Math.floor(Date.now() / 1000) + 300);
    const ok = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/cam?exp=${q.exp}&sig=${q.sig}`, seconds: 2 });
    publishers.push(ok);
    await until(() => events.publish.length === 1);
    expect(events.publish[0]!.key).toBe('cam');
    expect(await ok.done).toBe(0);
    expect(lines.some((l) => l.includes('refused publish'))).toBe(true);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(expired.sig);
  });

  test('publish attempts are rate-limited per client address', async () => {
    const { port, events } = await startIngest({ publishesPerMinute: 2, auth: { mode: 'keys', keys: new Set() } });
    for (let i = 0; i < 3; i++) {
      const p = startPublisher({ url: `rtmp://127.0.0.1:${port}/live/k${i}`, seconds: 1 });
      publishers.push(p);
      await p.done;
    }
    expect(events.refused).toEqual(['unknown_key', 'unknown_key', 'rate_limited']);
  });
});

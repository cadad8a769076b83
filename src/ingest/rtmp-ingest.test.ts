import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { avcPicture, avcSequenceHeader, RtmpTestClient } from '../../test/helpers/rtmp-client.js';
import { silentLogger } from '../log/logger.js';
import { signPublish } from './publish-auth.js';
import { ChunkWriter, MSG } from './rtmp/chunk-writer.js';
import { RtmpIngest, type PublishEvent, type PublishRefusal } from './rtmp-ingest.js';

let ingest: RtmpIngest | undefined;
const clients: RtmpTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await ingest?.close();
  ingest = undefined;
});

const SECRET = 'a-secret-of-16-chars-or-more';

async function start(opts: Partial<ConstructorParameters<typeof RtmpIngest>[0]> = {}) {
  ingest = new RtmpIngest({ host: '127.0.0.1', port: 0, log: silentLogger, headerWaitMs: 2_000, ...opts });
  const events = { publish: [] as PublishEvent[], unpublish: [] as [string, boolean][], refused: [] as PublishRefusal[] };
  ingest.on('publish', (e) => events.publish.push(e));
  ingest.on('unpublish', (k, _s, clean) => events.unpublish.push([k, clean]));
  ingest.on('refused', (r) => events.refused.push(r));
  const port = await ingest.start();
  return { port, events, ingest };
}

async function client(port: number): Promise<RtmpTestClient> {
  const c = await RtmpTestClient.connect(port);
  clients.push(c);
  return c;
}

function signed(key: string): string {
  const q = signPublish(SECRET, key, Math.floor(Date.now() / 1000) + 300);
  return `${key}?exp=${q.exp}&sig=${q.sig}`;
}

/** capture attaches a sink to a feed and returns everything written to it. */
function capture(e: PublishEvent): () => Buffer {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (d: Buffer) => parts.push(d));
  e.feed.attach(sink);
  return () => Buffer.concat(parts);
}

function containsRun(buf: Buffer, fill: number, len = 64): boolean {
  return buf.includes(Buffer.alloc(len, fill));
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('RtmpIngest: who may publish', () => {
  test("a refused publisher that keeps pushing never reaches the owner's feed, and its socket is destroyed at once", async () => {
    const { port, events } = await start({ auth: { mode: 'hmac', secret: SECRET } });
    const owner = await client(port);
    expect((await owner.publish(signed('cam5'))).args[1]).toMatchObject({ code: 'NetStream.Publish.Start' });
    owner.media(MSG.video, 0, avcSequenceHeader());
    owner.media(MSG.video, 0, avcPicture(true, 0x11));
    await until(() => events.publish.length === 1);
    const written = capture(events.publish[0]!);

    const intruder = await client(port);
    await intruder.publish('cam5');
    expect(intruder.statusCode()).toBe('NetStream.Publish.Denied');
    for (let i = 0; i < 20; i++) intruder.media(MSG.video, 40 * i, avcPicture(i === 0, 0xee), 1);
    await intruder.closed;
    for (let i = 1; i <= 5; i++) owner.media(MSG.video, 40 * i, avcPicture(false, 0x11));
    await until(() => ingest!.feedStats('cam5')!.videoPictures === 6);
    await new Promise((r) => setTimeout(r, 50));
    expect(events.refused).toEqual(['missing_signature']);
    expect(containsRun(written(), 0x11)).toBe(true);
    expect(containsRun(written(), 0xee)).toBe(false);
    expect(events.unpublish).toEqual([]);
    expect(owner.isClosed).toBe(false);
  });

  test('an unsigned client first on a key cannot squat it: the signed owner publishes after it', async () => {
    const { port, events } = await start({ auth: { mode: 'hmac', secret: SECRET } });
    const squatter = await client(port);
    await squatter.publish('cam6');
    expect(squatter.statusCode()).toBe('NetStream.Publish.Denied');
    const owner = await client(port);
    expect(await owner.publish(signed('cam6'))).toBeDefined();
    expect(owner.statusCode()).toBe('NetStream.Publish.Start');
    owner.media(MSG.video, 0, avcSequenceHeader());
    await until(() => events.publish.length === 1);
    expect(events.publish[0]!.key).toBe('cam6');
  });

  test('without signatures a second publisher is refused (duplicate) and the first goes on untouched', async () => {
    const { port, events } = await start();
    const first = await client(port);
    await first.publish('dup');
    first.media(MSG.video, 0, avcSequenceHeader());
    await until(() => events.publish.length === 1);
    const second = await client(port);
    await second.publish('dup');
    expect(second.statusCode()).toBe('NetStream.Publish.BadName');
    await second.closed;
    expect(events.refused).toEqual(['duplicate']);
    expect(first.isClosed).toBe(false);
    expect(events.unpublish).toEqual([]);
  });

  test('with signatures a second signed publisher takes the key over: the first is told and disconnected, the stream sees a reconnect', async () => {
    const { port, events } = await start({ auth: { mode: 'hmac', secret: SECRET } });
    const first = await client(port);
    await first.publish(signed('obs'));
    first.media(MSG.video, 0, avcSequenceHeader());
    await until(() => events.publish.length === 1);
    const second = await client(port);
    await second.publish(signed('obs'));
    expect(second.statusCode()).toBe('NetStream.Publish.Start');
    await first.closed;
    expect(first.statusCode()).toBe('NetStream.Publish.Denied');
    second.media(MSG.video, 0, avcSequenceHeader());
    await until(() => events.publish.length === 2);
    expect(events.unpublish).toEqual([['obs', false]]);
    expect(events.publish.map((e) => e.key)).toEqual(['obs', 'obs']);
  });

  test('media on a message stream that is not the publish goes nowhere', async () => {
    const { port, events } = await start();
    const c = await client(port);
    await c.publish('streams');
    c.media(MSG.video, 0, avcSequenceHeader());
    await until(() => events.publish.length === 1);
    const written = capture(events.publish[0]!);
    c.media(MSG.video, 40, avcPicture(true, 0x33), 7);
    c.media(MSG.video, 40, avcPicture(true, 0x44), 1);
    await until(() => containsRun(written(), 0x44));
    expect(containsRun(written(), 0x33)).toBe(false);
  });

  test('an audio-only publish is refused with a status the client can show, after 3 s of its audio, not 10 s of waiting', async () => {
    const { port, events } = await start({ headerWaitMs: 10_000 });
    const c = await client(port);
    await c.publish('radio');
    const t0 = Date.now();
    for (let ts = 0; ts <= 3_200; ts += 100) c.media(MSG.audio, ts, Buffer.from([0xaf, 0x01, 1, 2, 3]));
    await c.closed;
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(c.statusCode()).toBe('NetStream.Publish.Rejected');
    expect(events.refused).toEqual(['no_video']);
    expect(events.publish).toEqual([]);
  });

  test('RTMP play is refused: viewers watch over HLS', async () => {
    const { port } = await start();
    const c = await client(port);
    const w = new ChunkWriter();
    c.send(w.command(0, 'connect', 1, { app: 'live' }));
    c.send(w.command(0, 'createStream', 2, null));
    c.send(w.command(1, 'play', 3, null, 'anything'));
    await c.closed;
    expect(c.statusCode()).toBe('NetStream.Play.Failed');
  });
});

describe('listening', () => {
  test('a port already taken is INGEST_LISTEN_FAILED, naming the port and the flag', async () => {
    const first = await start();
    const second = new RtmpIngest({ host: '127.0.0.1', port: first.port, log: silentLogger });
    try {
      await expect(second.start()).rejects.toMatchObject({
        code: 'INGEST_LISTEN_FAILED',
        fatal: true,
        message: `RTMP port ${first.port} on 127.0.0.1 is already in use (set --rtmp-port or UPREZ_RTMP_PORT)`,
      });
    } finally {
      await second.close();
    }
  });
});

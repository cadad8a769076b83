import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { avcPicture, avcSequenceHeader } from '../../test/helpers/rtmp-client.js';
import { FLV_AUDIO, FLV_VIDEO } from './flv.js';
import { PublishFeed } from './publish-feed.js';

/** tagsIn parses the FLV bytes a sink received: [type, timestamp, first body byte, fill byte] per tag. */
function tagsIn(flv: Buffer): number[][] {
  const out: number[][] = [];
  let pos = 13;
  while (pos + 11 <= flv.length) {
    const size = flv.readUIntBE(pos + 1, 3);
    const ts = flv.readUIntBE(pos + 4, 3);
    out.push([flv[pos] as number, ts, flv[pos + 11] as number, flv[pos + 11 + size - 1] as number]);
    pos += 11 + size + 4;
  }
  return out;
}

function collect(): { sink: PassThrough; bytes: () => Buffer } {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (d: Buffer) => parts.push(d));
  return { sink, bytes: () => Buffer.concat(parts) };
}

describe('PublishFeed', () => {
  test('a decoder attached late gets the publish from its first tag, then the rest live, then end-of-input', async () => {
    const feed = new PublishFeed(() => true);
    feed.push(FLV_VIDEO, 0, avcSequenceHeader());
    feed.push(FLV_AUDIO, 0, Buffer.from([0xaf, 0x00, 0x12, 0x10]));
    for (let i = 0; i < 3; i++) feed.push(FLV_VIDEO, 40 * i, avcPicture(i === 0, i + 1));
    const { sink, bytes } = collect();
    const ended = new Promise((r) => sink.on('end', r));
    feed.attach(sink);
    feed.push(FLV_VIDEO, 120, avcPicture(false, 4));
    feed.end();
    await ended;
    const flv = bytes();
    expect(flv.subarray(0, 3).toString()).toBe('FLV');
    expect(flv[4]).toBe(5); // audio and video
    expect(tagsIn(flv).map((t) => [t[0], t[1], t[3]])).toEqual([
      [FLV_VIDEO, 0, 0],
      [FLV_AUDIO, 0, 0x10],
      [FLV_VIDEO, 0, 1],
      [FLV_VIDEO, 40, 2],
      [FLV_VIDEO, 80, 3],
      [FLV_VIDEO, 120, 4],
    ]);
    expect(feed.stats()).toMatchObject({ videoPictures: 4, videoPicturesWritten: 4, videoPicturesSkipped: 0, bytesQueued: 0 });
  });

  test('backpressure: above the high-water mark the publisher is paused, below the low one resumed; nothing dropped', async () => {
    const pressure: boolean[] = [];
    const feed = new PublishFeed(() => false, { highWaterBytes: 1_000, lowWaterBytes: 300, onPressure: (p) => pressure.push(p) });
    for (let i = 0; i < 20; i++) feed.push(FLV_VIDEO, i, avcPicture(i === 0, 9, 100));
    expect(pressure).toEqual([true]);
    const got: Buffer[] = [];
    let release: (() => void) | null = null;
    const slow = new Writable({
      highWaterMark: 200,
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        release = cb;
      },
    });
    feed.attach(slow);
    for (let i = 0; i < 200 && feed.stats().bytesQueued > 0; i++) {
      const r = release as (() => void) | null;
      release = null;
      r?.();
      await new Promise((res) => setImmediate(res));
    }
    expect(pressure).toEqual([true, false]);
    expect(feed.stats().videoPicturesWritten).toBe(20);
  });

  test('a restarted decoder gets the headers, then the stream from the next keyframe; skipped pictures are counted', () => {
    const feed = new PublishFeed(() => false);
    feed.push(FLV_VIDEO, 0, avcSequenceHeader());
    feed.push(FLV_VIDEO, 0, avcPicture(true, 1));
    const first = collect();
    feed.attach(first.sink);
    feed.detach(first.sink);
    feed.push(FLV_VIDEO, 40, avcPicture(false, 2));
    feed.push(FLV_VIDEO, 80, avcPicture(false, 3));
    feed.push(FLV_VIDEO, 120, avcPicture(true, 4));
    const second = collect();
    feed.attach(second.sink);
    feed.push(FLV_VIDEO, 160, avcPicture(false, 5));
    // a stale detach from the first decoder must not stop the second
    feed.detach(first.sink);
    feed.push(FLV_VIDEO, 200, avcPicture(false, 6));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(tagsIn(second.bytes()).map((t) => [t[1], t[3]])).toEqual([
          [0, 0],
          [120, 4],
          [160, 5],
          [200, 6],
        ]);
        expect(feed.stats()).toMatchObject({ videoPictures: 6, videoPicturesSkipped: 2 });
        resolve();
      }),
    );
  });

  test('the receive time of each picture written to the current sink, by its number there (a new sink counts from 0)', async () => {
    const feed = new PublishFeed(() => false);
    feed.push(FLV_VIDEO, 0, avcSequenceHeader());
    const before = performance.now();
    feed.push(FLV_VIDEO, 0, avcPicture(true, 1));
    await new Promise((r) => setTimeout(r, 30));
    const middle = performance.now();
    feed.push(FLV_VIDEO, 40, avcPicture(false, 2));
    const first = collect();
    feed.attach(first.sink);
    expect(feed.pictureReceivedAt(2)).toBeUndefined(); // not written yet
    const second = feed.pictureReceivedAt(1) as number;
    expect(second).toBeGreaterThanOrEqual(middle);
    // Asking for picture 1 forgot picture 0 (the decoder delivers in order).
    expect(feed.pictureReceivedAt(0)).toBeUndefined();
    expect(feed.pictureReceivedAt(1)).toBe(second);
    expect(second).toBeGreaterThan(before);
    // The decoder dies; a restarted one counts its pictures from 0 again, from the next keyframe.
    feed.detach(first.sink);
    feed.push(FLV_VIDEO, 80, avcPicture(false, 3));
    const receivedKey = performance.now();
    feed.push(FLV_VIDEO, 120, avcPicture(true, 4));
    feed.attach(collect().sink);
    expect(feed.pictureReceivedAt(0)).toBeGreaterThanOrEqual(receivedKey);
    expect(feed.pictureReceivedAt(1)).toBeUndefined();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { captureIo } from '../../test/helpers/capture-io.js';
import { defaultDemoSize, demoPublishArgs, runDemoCommand } from './demo-command.js';

describe('uprez demo', () => {
  test.each([
    [1, '480x270'],
    [2, '480x270'],
    [3, '640x360'],
    [16, '640x360'],
  ])('on %i cores the clip is %s by default (the model must keep up beside the x264 ladder)', (cores, size) => {
    const s = defaultDemoSize(cores);
    expect(`${s.width}x${s.height}`).toBe(size);
  });

  test('publishes a generated picture and tone in real time to the URL, H.264 + AAC in FLV', () => {
    const args = demoPublishArgs({ url: 'rtmp://127.0.0.1:1935/live/demo', seconds: 12, width: 480, height: 270, fps: 30 });
    expect(args).toContain('-re');
    expect(args).toContain('testsrc2=size=480x270:rate=30');
    expect(args.join(' ')).toMatch(/-f lavfi -i sine=/);
    expect(args.slice(args.indexOf('-t'), args.indexOf('-t') + 2)).toEqual(['-t', '12']);
    expect(args.slice(args.indexOf('-g'), args.indexOf('-g') + 2)).toEqual(['-g', '60']);
    expect(args.slice(-3)).toEqual(['-f', 'flv', 'rtmp://127.0.0.1:1935/live/demo']);
  });

  test.each([
    [['--size', '640'], /--size must look like 640x360/],
    [['--size', '641x360'], /--size must be even/],
    [['--key', '../x'], /--key must match/],
    [['--seconds', '0'], /--seconds must be a whole number/],
    [['--host', 'a b'], /--host must be a host name/],
  ])('%j is refused before anything runs', async (argv, message) => {
    await expect(runDemoCommand(argv, captureIo())).rejects.toThrow(message);
  });

  test('with no server answering it says to start one, and exits 1', async () => {
    // A port that was just free: nothing listens there.
    const srv = http.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    const io = captureIo();
    expect(await runDemoCommand(['--http-port', String(port)], io)).toBe(1);
    expect(io.err()).toMatch(/no uprez server answers at http:\/\/127\.0\.0\.1:\d+\/healthz\. Start one first with `npm start`/);
    expect(io.out()).toBe('');
  });
});

import { expect, test } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { hlsWriterFor, registerHlsWriter } from './hls-writer-registry.js';
import { HlsWriter } from './hls-writer.js';
import type { HlsOutput } from './hls-output.js';

const nowhere: HlsOutput = { file: () => {}, playlist: () => {}, remove: () => {}, close: async () => {} };
const make = () => new HlsWriter({ mode: 'classic', dir: '/tmp/uprez-registry-test', segmentSeconds: 2, outputs: [nowhere], log: silentLogger });
const SPEC = { rungs: [{ name: '2p', width: 2, height: 2, rates: { videoMaxrate: 1, vbvBufsize: 1, audioBitrate: null, fps: 1 } }], fpsNum: 1, fpsDen: 1, hasAudio: false };

test('an encoder without a writer takes the run registered for its directory, continues it on append, starts a new one otherwise', async () => {
  const run = make();
  const unregister = registerHlsWriter('/tmp/uprez-registry-test', run);
  expect(hlsWriterFor('/tmp/uprez-registry-test', false, make)).toBe(run); // the run's first encoder
  await run.beginSession(SPEC).end();
  expect(hlsWriterFor('/tmp/uprez-registry-test', true, make)).toBe(run); // a restart or reconnect
  const fresh = hlsWriterFor('/tmp/uprez-registry-test', false, make); // someone started over without registering
  expect(fresh).not.toBe(run);
  expect(run.ended).toBe(true);
  unregister(); // no longer the registered one: nothing to remove
  expect(hlsWriterFor('/tmp/uprez-registry-test', true, make)).toBe(fresh);
});

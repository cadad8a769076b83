/**
 * A separate "uprez instance" for the multi-instance tests, run from the TypeScript sources in
 * its own Node process (so a test can SIGKILL or SIGSTOP it):
 *
 *   node --import <ts hooks> test/helpers/scaleout-child.ts '<json ChildSpec>'
 *
 * It takes the key's lease and prints one JSON line per event on stdout. Mode "hold" only holds
 * the lease; "save" also saves a continuity record every 200 ms (a fencing probe); "stream" also
 * publishes a simulated stream to the origin with a continuity recorder. It exits on its own
 * after `lifetimeMs`, so a forgotten child cannot outlive the test run by much.
 */
import path from 'node:path';
import { createLogger } from '../../src/log/logger.js';
import { OriginPublisher } from '../../src/origin/origin-publisher.js';
import { ContinuityRecorder } from '../../src/registry/continuity-recorder.js';
import { RedisRegistry } from '../../src/registry/redis-registry.js';
import { SimHlsWriter } from './sim-hls-writer.js';

/** ChildSpec is the child's whole configuration, passed as one JSON argument. */
export interface ChildSpec {
  readonly mode: 'hold' | 'save' | 'stream';
  readonly id: string;
  readonly redis: string;
  readonly key: string;
  readonly ttlMs: number;
  readonly lifetimeMs: number;
  /** stream mode: the origin base URL, a work folder, and the simulated stream's shape. */
  readonly origin?: string;
  readonly work?: string;
  readonly renditions?: string[];
  readonly segmentSeconds?: number;
  readonly listSize?: number;
  readonly sourceSegments?: string[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const say = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...fields })}\n`);
};
const log = createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) });

const registry = new RedisRegistry({ url: spec.redis, self: { id: spec.id, url: `http://${spec.id}:8000` }, log, ttlMs: spec.ttlMs });
await registry.start();
const r = await registry.acquire(spec.key);
if (!r.ok) {
  say('refused', { reason: r.reason });
  process.exit(3);
}
const lease = r.lease;
say('acquired', { epoch: lease.epoch });
lease.onLost((reason) => say('lost', { reason }));
setTimeout(() => process.exit(0), spec.lifetimeMs).unref();

if (spec.mode === 'save') {
  let n = 0;
  setInterval(() => {
    const state = {
      v: 1 as const,
      key: spec.key,
      epoch: lease.epoch,
      instance: spec.id,
      updatedAt: Date.now(),
      master: `saved by ${spec.id} #${++n}`,
      renditions: {},
      retired: [],
    };
    lease.continuity.save(spec.key, state).then(
      () => say('saved', { n }),
      (err: { code?: string }) => say('fenced', { code: err.code }),
    );
  }, 200);
}

if (spec.mode === 'stream') {
  const work = spec.work as string;
  const pub = new OriginPublisher({ url: spec.origin as string, spoolDir: path.join(work, 'spool'), log, queue: { removeDelayMs: 1_000 } });
  await pub.start();
  const recorder = new ContinuityRecorder({ key: spec.key, instance: spec.id, epoch: lease.epoch, store: lease.continuity, log });
  const mirror = pub.forStream(spec.key, { commit: (rel, text) => recorder.commit(rel, text) });
  const writer = new SimHlsWriter({
    dir: path.join(work, 'hls', spec.key),
    outputs: [mirror],
    renditions: spec.renditions ?? ['v'],
    segmentSeconds: spec.segmentSeconds ?? 0.5,
    listSize: spec.listSize ?? 5,
    localKeepBehind: 2,
    prefix: `e${lease.epoch}`,
    sourceSegments: spec.sourceSegments,
  });
  let i = 0;
  setInterval(
    () => {
      writer.tick();
      say('tick', { i: i++, window: writer.window((spec.renditions ?? ['v'])[0] as string) });
    },
    (spec.segmentSeconds ?? 0.5) * 1000,
  );
}

/**
 * The stream pipeline's fault logic with fake children (the injected session factories): restarts
 * within the policy, giving up with the reason, the reconnect window, finish, and a lost lease.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { VideoInfo } from '../decode/video-info.js';
import { buildLadder } from '../encode/ladder.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import { HlsWriter } from '../hls/hls-writer.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import { RestartPolicy } from '../lifecycle/restart-policy.js';
import { TypedEmitter } from '../lifecycle/typed-emitter.js';
import { silentLogger } from '../log/logger.js';
import { createMetrics, type UprezMetrics } from '../metrics/metrics.js';
import type { ClusterStream } from '../registry/cluster-stream.js';
import type { LeaseLostReason } from '../registry/stream-registry.js';
import type {
  DecoderEventsPort,
  DecoderPort,
  EncoderEventsPort,
  EncoderPort,
  SessionFactories,
  StagePort,
} from '../session/session-ports.js';
import type { UpscaledFrame } from '../media/frame.js';
import type { PipelineOptions } from './pipeline-options.js';
import { StreamPipeline } from './stream-pipeline.js';

const INFO: VideoInfo = { width: 16, height: 8, fpsNum: 25, fpsDen: 1 };

function exitOf(code: number | null, stderr: string[] = []): ProcessExit {
  return { code, signal: code === null ? 'SIGTERM' : null, stderrTail: stderr };
}

class FakeDecoder extends TypedEmitter<DecoderEventsPort> implements DecoderPort {
  picturesFed = 0;
  framesEmitted = 0;
  private exited: ProcessExit | null = null;
  start(): void {}
  pause(): void {}
  resume(): void {}
  /** deliver says the size, then hands over `n` frames. */
  deliver(info: VideoInfo, n: number): void {
    this.emit('info', info);
    for (let i = 0; i < n; i++) {
      this.picturesFed++;
      this.framesEmitted++;
      this.emit('frame', new Uint8Array((info.width * info.height * 3) / 2));
    }
  }
  exit(e: ProcessExit): void {
    if (this.exited) return;
    this.exited = e;
    this.emit('exit', e);
  }
  close(): Promise<ProcessExit> {
    this.exit(exitOf(null));
    return Promise.resolve(this.exited as ProcessExit);
  }
}

class FakeEncoder extends TypedEmitter<EncoderEventsPort> implements EncoderPort {
  readonly rungs = buildLadder(INFO, 2, false);
  readonly mediaPlaylists = [];
  framesWritten = 0;
  failure: string | null = null;
  private exited: ProcessExit | null = null;
  get hasExited(): boolean {
    return this.exited !== null;
  }
  start(): void {}
  writeFrame(): boolean {
    this.framesWritten++;
    return true;
  }
  writeAudio(): boolean {
    return true;
  }
  /** die: the encoder stops by itself mid-session. */
  die(e: ProcessExit, failure: string | null = null): void {
    this.failure = failure;
    this.exited = e;
    this.emit('exit', e);
  }
  end(): Promise<ProcessExit> {
    this.exited ??= exitOf(0);
    return Promise.resolve(this.exited);
  }
  close(): Promise<ProcessExit> {
    return this.end();
  }
  finishPlaylists(): Promise<void> {
    return Promise.resolve();
  }
}

/** A stage that passes every frame straight through as bicubic. */
class PassStage implements StagePort {
  private readonly listeners = new Set<(f: UpscaledFrame) => void>();
  closed = false;
  push(f: Parameters<StagePort['push']>[0]): void {
    const out: UpscaledFrame = { ...f, path: 'bicubic', reason: 'no_model', modelShare: 0, emittedAt: f.arrivedAt };
    for (const l of this.listeners) l(out);
  }
  onOutput(cb: (f: UpscaledFrame) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  warmUp(): Promise<void> {
    return Promise.resolve();
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

function feed(): FeedSource {
  return {
    attach() {},
    detach() {},
    picturesWrittenToSink: 0,
    drained: false,
    picturesSkipped: 0,
    picturesPending: 0,
    pictureReceivedAt: () => undefined,
    videoReceived: { pictures: 0, bytes: 0 },
  };
}

/** settle lets queued promise callbacks and zero-delay timers run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

interface Rig {
  pipeline: StreamPipeline;
  decoders: FakeDecoder[];
  encoders: FakeEncoder[];
  stage: PassStage;
  hls: HlsWriter;
  metrics: UprezMetrics;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'uprez-pipeline-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rig(over: { maxRestarts?: number; restarts?: RestartPolicy; cluster?: ClusterStream } = {}): Rig {
  const decoders: FakeDecoder[] = [];
  const encoders: FakeEncoder[] = [];
  const factories: SessionFactories = {
    createDecoder: () => {
      const d = new FakeDecoder();
      decoders.push(d);
      return d;
    },
    createEncoder: () => {
      const e = new FakeEncoder();
      encoders.push(e);
      return e;
    },
  };
  const stage = new PassStage();
  const hls = new HlsWriter({ mode: 'classic', dir, segmentSeconds: 2, outputs: [], log: silentLogger });
  const metrics = createMetrics({ collectDefault: false });
  const opts: PipelineOptions = {
    key: 'cam',
    input: feed(),
    hls,
    cluster: over.cluster ?? null,
    hasAudio: false,
    outDir: dir,
    urlPath: '/hls/cam',
    scale: 2,
    latencyBudgetMs: 200,
    maxInFlight: 4,
    segmentSeconds: 2,
  };
  const pipeline = new StreamPipeline(opts, {
    binaries: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' },
    tiers: [],
    metrics,
    log: silentLogger,
    factories,
    createStage: () => stage,
    restarts: over.restarts ?? new RestartPolicy({ maxInWindow: over.maxRestarts ?? 3, delayMs: () => 0 }),
  });
  return { pipeline, decoders, encoders, stage, hls, metrics };
}

function state(r: Rig): string {
  return r.pipeline.snapshot([]).state;
}

describe('StreamPipeline faults', () => {
  test('a decoder that dies under a live publisher is restarted as a new session; the playlists go on', async () => {
    const r = rig();
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 3);
    expect(state(r)).toBe('live');
    r.decoders[0]?.exit(exitOf(1, ['rtmp: Connection reset']));
    await settle();
    expect(r.decoders).toHaveLength(2);
    r.decoders[1]?.deliver(INFO, 2);
    const snap = r.pipeline.snapshot([]);
    expect(snap).toMatchObject({ state: 'live', restarts: 1, error: null, frames: { in: 5, out: 5 } });
    expect(r.hls.ended).toBe(false);
    expect((await r.metrics.processRestartsTotal.get()).values).toContainEqual(
      expect.objectContaining({ value: 1, labels: { stream: 'cam', process: 'decoder' } }),
    );
    await r.pipeline.close();
  });

  test('past the policy the stream fails with the child and its last stderr line, and the playlists end', async () => {
    const r = rig({ maxRestarts: 2 });
    r.pipeline.start();
    for (let i = 0; i < 3; i++) {
      r.decoders[i]?.deliver(INFO, 1);
      r.decoders[i]?.exit(exitOf(1, ['frame=  10 fps=25', 'Invalid data found when processing input']));
      await settle();
    }
    await r.pipeline.done;
    expect(r.decoders).toHaveLength(3);
    const snap = r.pipeline.snapshot([]);
    expect(snap.state).toBe('failed');
    expect(snap.restarts).toBe(2);
    expect(snap.error).toBe('decoder failed 3 times within a minute: Invalid data found when processing input');
    expect(r.hls.ended).toBe(true);
    expect(r.stage.closed).toBe(true);
  });

  test("an encoder that dies is counted as the encoder's, with its own reason", async () => {
    const r = rig({ maxRestarts: 0 });
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 2);
    r.encoders[0]?.die(exitOf(1), 'cannot write 32p/seg-1.ts: disk full');
    await r.pipeline.done;
    expect(r.pipeline.snapshot([])).toMatchObject({
      state: 'failed',
      error: 'encoder failed 1 times within a minute: cannot write 32p/seg-1.ts: disk full',
    });
  });

  test('a dropped publisher is held for the window; a republish within it continues the stream', async () => {
    const r = rig();
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 2);
    r.pipeline.suspend(60_000);
    r.decoders[0]?.exit(exitOf(0));
    await settle();
    expect(state(r)).toBe('reconnecting');
    expect(r.pipeline.isReconnecting).toBe(true);
    expect(r.pipeline.reattach(feed(), false)).toBe(true);
    expect(r.decoders).toHaveLength(2);
    r.decoders[1]?.deliver(INFO, 1);
    expect(r.pipeline.snapshot([])).toMatchObject({ state: 'live', reconnects: 1, restarts: 0 });
    await r.pipeline.close();
  });

  test('a publisher that does not come back within the window ends the stream cleanly', async () => {
    const r = rig();
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 2);
    r.pipeline.suspend(20);
    r.decoders[0]?.exit(exitOf(0));
    await r.pipeline.done;
    expect(state(r)).toBe('ended');
    expect(r.hls.ended).toBe(true);
    expect(r.pipeline.reattach(feed(), false)).toBe(false);
  });

  test('finish drains the session and ends the playlists; the stream no longer takes a republish', async () => {
    const r = rig();
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 4);
    const finished = r.pipeline.finish();
    expect(state(r)).toBe('ending');
    expect(r.pipeline.canReattach).toBe(false);
    r.decoders[0]?.exit(exitOf(0));
    await finished;
    expect(r.pipeline.snapshot([])).toMatchObject({ state: 'ended', error: null, frames: { in: 4, out: 4 } });
    expect(r.encoders[0]?.framesWritten).toBe(4);
    expect(r.hls.ended).toBe(true);
  });

  test('finish while a restart is pending ends the stream without starting another session', async () => {
    const r = rig({ restarts: new RestartPolicy({ maxInWindow: 3, delayMs: () => 60_000 }) });
    const p = r.pipeline;
    p.start();
    r.decoders[0]?.deliver(INFO, 1);
    r.decoders[0]?.exit(exitOf(1));
    await settle();
    expect(p.snapshot([]).state).toBe('starting');
    await p.finish();
    expect(p.snapshot([]).state).toBe('ended');
    expect(r.decoders).toHaveLength(1);
  });

  test('a lost lease stops the stream at once and releases the cluster share', async () => {
    const lost: ((reason: LeaseLostReason) => void)[] = [];
    let released = 0;
    const cluster: ClusterStream = {
      key: 'cam',
      output: null,
      continueFrom: null,
      lease: null,
      onLost(l) {
        lost.push(l);
        return () => {};
      },
      close: () => {
        released++;
        return Promise.resolve();
      },
    };
    const r = rig({ cluster });
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 2);
    for (const l of lost) l('expired');
    await r.pipeline.done;
    const snap = r.pipeline.snapshot([]);
    expect(snap.state).toBe('failed');
    expect(snap.error).toMatch(/lease in the registry was lost \(expired\)/);
    expect(released).toBe(1);
    expect(r.decoders).toHaveLength(1);
  });

  test('a later session of another size is refused and fails the stream with the reason', async () => {
    const r = rig();
    r.pipeline.start();
    r.decoders[0]?.deliver(INFO, 1);
    r.decoders[0]?.exit(exitOf(1));
    await settle();
    r.decoders[1]?.deliver({ ...INFO, width: 32 }, 1);
    await r.pipeline.done;
    expect(r.pipeline.snapshot([])).toMatchObject({ state: 'failed', error: 'the decoder delivered 32x8, the ladder is 16x8' });
  });
});

/**
 * Test doubles for the upscale stage: a clock that moves only when told, and a model runner whose
 * calls wait until the test answers or fails them. Used by the stage's unit and property tests.
 */
import { UprezError } from '../../src/errors.js';
import type { Clock } from '../../src/upscale/clock.js';
import type { LumaRect, RegionsResult } from '../../src/upscale/luma-regions.js';
import type { LumaResult, ModelRunner, ModelRunnerInfo } from '../../src/upscale/model-runner.js';

/** FakeClock: time moves only when the test says; timers fire in time order. */
export class FakeClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
  /** nextTimerAt is when the earliest pending timer fires (undefined with none). */
  nextTimerAt(): number | undefined {
    let at: number | undefined;
    for (const x of this.timers) if (at === undefined || x.at < at) at = x.at;
    return at;
  }
  /** advance moves time to now+ms, firing due timers at their own times. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

/** Call is one pending upscaleLuma request of the FakeRunner. */
export interface Call {
  readonly y: Uint8Array;
  readonly width: number;
  readonly height: number;
  resolve(r: LumaResult): void;
  reject(e: unknown): void;
}

/** RegionCall is one pending upscaleLumaRegions request of the FakeRunner. */
export interface RegionCall {
  readonly y: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly rects: readonly LumaRect[];
  resolve(r: RegionsResult): void;
  reject(e: unknown): void;
}

/** FakeRunner: every upscaleLuma / upscaleLumaRegions call waits until the test resolves or rejects it. */
export class FakeRunner implements ModelRunner {
  readonly info: ModelRunnerInfo;
  readonly calls: Call[] = [];
  readonly regionCalls: RegionCall[] = [];
  constructor(
    private readonly warmTimes: number[] = [],
    name = 'fake',
    workers = 1,
  ) {
    this.info = { name, path: `/${name}.onnx`, scale: 2, provider: 'cpu', workers, intraOpThreads: 1, receptiveRadius: 4 };
  }
  get pending(): number {
    return this.regionCalls.length + this.calls.length;
  }
  upscaleLuma(y: Uint8Array, width: number, height: number): Promise<LumaResult> {
    return new Promise((resolve, reject) => this.calls.push({ y: y.slice(), width, height, resolve, reject }));
  }
  upscaleLumaRegions(y: Uint8Array, width: number, height: number, rects: readonly LumaRect[]): Promise<RegionsResult> {
    return new Promise((resolve, reject) => this.regionCalls.push({ y: y.slice(), width, height, rects: [...rects], resolve, reject }));
  }
  /** answerRegions resolves region call i with every region filled with `value`. */
  answerRegions(i: number, value = 200, inferMs = 5): void {
    const c = this.regionCalls[i] as RegionCall;
    c.resolve({ regions: c.rects.map((rect) => ({ rect, y: new Uint8Array(rect.width * 2 * rect.height * 2).fill(value) })), inferMs });
  }
  /** failRegions rejects region call i with a non-fatal model error. */
  failRegions(i: number): void {
    (this.regionCalls[i] as RegionCall).reject(new UprezError('MODEL_RUN_FAILED', 'boom'));
  }
  async warmUp(): Promise<number[]> {
    return this.warmTimes;
  }
  async close(): Promise<void> {}
  /** answer resolves call i with a Y plane filled with `value`. */
  answer(i: number, value = 200, inferMs = 5): void {
    const c = this.calls[i] as Call;
    c.resolve({ y: new Uint8Array(c.width * 2 * c.height * 2).fill(value), inferMs });
  }
  /** fail rejects call i with a non-fatal model error. */
  fail(i: number): void {
    (this.calls[i] as Call).reject(new UprezError('MODEL_RUN_FAILED', 'boom'));
  }
}

/** flushMicrotasks lets pending promise callbacks (model completions) run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}

/**
 * runUntil moves the fake clock to `t` one timer at a time, letting promise callbacks run after
 * each, so a completion resolved by a timer is seen by the stage at that timer's time.
 */
export async function runUntil(clock: FakeClock, t: number): Promise<void> {
  for (;;) {
    const next = clock.nextTimerAt();
    if (next === undefined || next > t) break;
    clock.advance(Math.max(0, next - clock.now()));
    await flushMicrotasks();
  }
  clock.advance(Math.max(0, t - clock.now()));
  await flushMicrotasks();
}

/** seededRandom is mulberry32: a small, fast, reproducible generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * TimedRunner: a model runner on the fake clock. `workers` workers serve requests FIFO (each to
 * the one free soonest); a request takes serviceMs(pixels) of fake time (its LR pixels: a whole
 * plane, or its rectangles) and then resolves with each output filled with the LR byte at its
 * top-left (so a test can tell which frame and place a result belongs to), or rejects when
 * fails() says so.
 */
export class TimedRunner implements ModelRunner {
  readonly info: ModelRunnerInfo;
  private readonly busyUntil: number[];
  private inflight = 0;
  calls = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly serviceMs: (pixels: number) => number,
    private readonly fails: () => boolean = () => false,
    private readonly warmTimes: number[] = [],
    name = 'timed',
    workers = 1,
  ) {
    this.info = { name, path: `/${name}.onnx`, scale: 2, provider: 'cpu', workers, intraOpThreads: 1, receptiveRadius: 4 };
    this.busyUntil = new Array<number>(workers).fill(0);
  }

  get pending(): number {
    return this.inflight;
  }

  private schedule<T>(pixels: number, make: () => T): Promise<T & { inferMs: number; queuedMs: number }> {
    this.calls++;
    this.inflight++;
    const now = this.clock.now();
    let w = 0;
    for (let k = 1; k < this.busyUntil.length; k++) if ((this.busyUntil[k] as number) < (this.busyUntil[w] as number)) w = k;
    const start = Math.max(now, this.busyUntil[w] as number);
    const ms = this.serviceMs(pixels);
    this.busyUntil[w] = start + ms;
    const fail = this.fails();
    return new Promise((resolve, reject) => {
      this.clock.setTimeout(
        () => {
          this.inflight--;
          if (fail) reject(new UprezError('MODEL_RUN_FAILED', 'random failure'));
          else resolve({ ...make(), inferMs: ms, queuedMs: start - now });
        },
        (this.busyUntil[w] as number) - now,
      );
    });
  }

  upscaleLuma(y: Uint8Array, width: number, height: number): Promise<LumaResult> {
    const value = y[0] as number;
    return this.schedule(width * height, () => ({ y: new Uint8Array(width * 2 * height * 2).fill(value) }));
  }

  upscaleLumaRegions(y: Uint8Array, width: number, _height: number, rects: readonly LumaRect[]): Promise<RegionsResult> {
    const pixels = rects.reduce((n, r) => n + r.width * r.height, 0);
    const values = rects.map((r) => y[r.y * width + r.x] as number);
    return this.schedule(pixels, () => ({
      regions: rects.map((rect, i) => ({ rect, y: new Uint8Array(rect.width * 2 * rect.height * 2).fill(values[i] as number) })),
    }));
  }

  async warmUp(): Promise<number[]> {
    return this.warmTimes;
  }

  async close(): Promise<void> {}
}

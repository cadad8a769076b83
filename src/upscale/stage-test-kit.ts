/**
 * Test doubles for the upscale stage: a clock that moves only when told, and a model runner whose
 * calls wait until the test answers or fails them. Used by the stage's unit and property tests.
 */
import { UprezError } from '../errors.js';
import type { Clock } from './clock.js';
import type { LumaResult, ModelRunner, ModelRunnerInfo } from './model-runner.js';

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

/** FakeRunner: every upscaleLuma call waits until the test resolves or rejects it. */
export class FakeRunner implements ModelRunner {
  readonly info: ModelRunnerInfo = { name: 'fake', path: '/fake.onnx', scale: 2, provider: 'cpu', workers: 1, intraOpThreads: 1 };
  readonly calls: Call[] = [];
  constructor(private readonly warmTimes: number[] = []) {}
  upscaleLuma(y: Uint8Array, width: number, height: number): Promise<LumaResult> {
    return new Promise((resolve, reject) => this.calls.push({ y: y.slice(), width, height, resolve, reject }));
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
    (this.calls[i] as Call).reject(new UprezError('MODEL_RUN_FAILED', 'boom', 'model', false));
  }
}


/** What the native inference worker (native-worker.mjs) is started with. Types only. */
import type { SrNetSpec } from './sr-graph.js';

/** NativeWorkerInit is the native worker's workerData: the recognised network and how to run it. */
export interface NativeWorkerInit {
  readonly spec: SrNetSpec;
  /** Instruction set for the addon's engine: avx512, avx2 or scalar (one this CPU runs). */
  readonly isa: string;
  /** Whole frames run as vertical strips this many LR columns wide (0: sized to the cache by the kernel). */
  readonly stripWidth: number;
}

// @ts-check
/**
 * Inference worker: owns one onnxruntime InferenceSession and runs requests one at a time.
 *
 * A plain ESM .mjs (checked by tsc through JSDoc) so `new Worker(new URL('./inference-worker.mjs',
 * import.meta.url))` loads the same file under vitest (src/) and after tsc (dist/src/).
 * onnxruntime-node's run() blocks its thread, which is why it lives here and not on the event loop.
 * Protocol: ./inference-protocol.ts. Tensors in the model's own layout are built by an adapter
 * per card layout; only the uprez contract (uint8 Y [1,1,H,W] -> [1,1,sH,sW]) exists so far.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/** @typedef {import('./inference-protocol.js').WorkerInit} WorkerInit */
/** @typedef {import('./inference-protocol.js').ToWorker} ToWorker */
/** @typedef {import('./inference-protocol.js').FromWorker} FromWorker */
/** @typedef {import('./inference-protocol.js').TensorMeta} TensorMeta */

/**
 * @typedef {object} LayoutAdapter
 * @property {(y: Uint8Array, width: number, height: number) => ort.Tensor} input builds the model input from Y
 * @property {(out: ort.Tensor) => { y: Uint8Array; width: number; height: number }} output reads Y back out
 */

/** @type {Record<string, LayoutAdapter>} */
const ADAPTERS = {
  y_uint8: {
    // No copy: the tensor wraps the transferred buffer.
    input: (y, width, height) => new ort.Tensor('uint8', y, [1, 1, height, width]),
    output: (out) => {
      const d = out.dims;
      if (out.type !== 'uint8' || d.length !== 4 || d[0] !== 1 || d[1] !== 1) {
        throw new Error(`model output is ${out.type} [${d.join(',')}], expected uint8 [1,1,H,W]`);
      }
      return { y: /** @type {Uint8Array} */ (out.data), width: Number(d[3]), height: Number(d[2]) };
    },
  },
};

const port = parentPort;
if (!port) throw new Error('inference-worker.mjs must run in a worker thread');
const init = /** @type {WorkerInit} */ (workerData);

/** @param {FromWorker} msg @param {ArrayBuffer[]} [transfer] */
function send(msg, transfer) {
  port?.postMessage(msg, transfer ?? []);
}

/** @param {unknown} err */
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

/** @param {readonly ort.InferenceSession.ValueMetadata[]} list @returns {TensorMeta[]} */
function metaOf(list) {
  return list.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));
}

async function main() {
  const adapter = ADAPTERS[init.layout];
  if (!adapter) {
    send({ type: 'failed', message: `layout ${init.layout} is not supported yet (only y_uint8)` });
    return;
  }
  // Failures come back to the runner as messages (and are logged there); onnxruntime's own
  // stderr lines would only repeat them, e.g. on every CPU-only start with --provider auto.
  ort.env.logLevel = 'fatal';
  /** @type {ort.InferenceSession} */
  let session;
  try {
    session = await ort.InferenceSession.create(init.modelPath, {
      executionProviders: [init.provider],
      intraOpNumThreads: init.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 4,
    });
  } catch (err) {
    send({ type: 'failed', message: messageOf(err) });
    return;
  }
  const inputName = session.inputNames[0] ?? '';
  const outputName = session.outputNames[0] ?? '';
  send({ type: 'ready', provider: init.provider, inputs: metaOf(session.inputMetadata), outputs: metaOf(session.outputMetadata) });

  // One request at a time, in arrival order, so inferMs is this request's own run time.
  let chain = Promise.resolve();
  port?.on('message', (/** @type {ToWorker} */ msg) => {
    const receivedAt = performance.now();
    chain = chain.then(async () => {
      if (msg.type === 'close') {
        await session.release();
        port?.close();
        return;
      }
      try {
        const feeds = { [inputName]: adapter.input(new Uint8Array(msg.y), msg.width, msg.height) };
        const t0 = performance.now();
        // Time spent behind other requests in this worker (any stream's): the runner's callers
        // subtract it from their round trip to learn the service time alone.
        const queuedMs = t0 - receivedAt;
        const results = await session.run(feeds);
        const inferMs = performance.now() - t0;
        const out = results[outputName];
        if (!out) throw new Error(`model returned no output "${outputName}"`);
        const { y, width, height } = adapter.output(/** @type {ort.Tensor} */ (out));
        // The binding gives a fresh ArrayBuffer per output: transfer it whole; copy only a view.
        const owned = y.byteOffset === 0 && y.byteLength === y.buffer.byteLength ? y : y.slice();
        send({ type: 'result', id: msg.id, width, height, y: /** @type {ArrayBuffer} */ (owned.buffer), inferMs, queuedMs }, [
          /** @type {ArrayBuffer} */ (owned.buffer),
        ]);
      } catch (err) {
        send({ type: 'error', id: msg.id, message: messageOf(err) });
      }
    });
  });
}

void main();

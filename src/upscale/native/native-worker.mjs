// @ts-check
/**
 * Native inference worker: the same protocol as inference-worker.mjs (./../inference-protocol.ts),
 * so InferencePool drives it unchanged, but the model runs in the uprez SR addon (native/sr/)
 * from the network the main thread recognised in the .onnx file. A run is synchronous (it blocks
 * this thread, which is why it lives here), so the time a request waited behind earlier ones is
 * measured from the sender's timestamp. With `rects` it produces those rectangles of the frame
 * (each as the whole-frame output inside it) instead of the whole frame.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadNativeSr } from './sr-addon.mjs';

/** @typedef {import('./native-protocol.js').NativeWorkerInit} NativeWorkerInit */
/** @typedef {import('../inference-protocol.js').ToWorker} ToWorker */
/** @typedef {import('../inference-protocol.js').FromWorker} FromWorker */

const port = parentPort;
if (!port) throw new Error('native-worker.mjs must run in a worker thread');
const init = /** @type {NativeWorkerInit} */ (workerData);

/** @param {FromWorker} msg @param {ArrayBuffer[]} [transfer] */
function send(msg, transfer) {
  port?.postMessage(msg, transfer ?? []);
}

/** @param {unknown} err */
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

function main() {
  const load = loadNativeSr();
  if (!load.addon) {
    send({ type: 'failed', message: `native SR addon unavailable: ${load.why}` });
    return;
  }
  const addon = load.addon;
  /** @type {unknown} */
  let net;
  try {
    net = addon.create(init.spec, init.isa);
  } catch (err) {
    send({ type: 'failed', message: messageOf(err) });
    return;
  }
  const s = init.spec.scale;
  const meta = (/** @type {string} */ name, /** @type {(string | number)[]} */ shape) => ({ name, isTensor: true, type: 'uint8', shape });
  send({ type: 'ready', provider: 'cpu', layout: 'y_uint8', inputs: [meta('y', [1, 1, 'H', 'W'])], outputs: [meta('y_sr', [1, 1, `${s}H`, `${s}W`])] });

  port?.on('message', (/** @type {ToWorker} */ msg) => {
    if (msg.type === 'close') {
      port?.close();
      return;
    }
    try {
      const t0 = performance.now();
      const queuedMs = msg.sentAt === undefined ? 0 : Math.max(0, performance.timeOrigin + t0 - msg.sentAt);
      const y = new Uint8Array(msg.y);
      if (msg.rects) {
        const rects = new Int32Array(msg.rects);
        let n = 0;
        for (let i = 0; i < rects.length; i += 4) n += (rects[i + 2] ?? 0) * s * (rects[i + 3] ?? 0) * s;
        const out = new Uint8Array(n);
        const residual = msg.residual ? new Int16Array(n) : null;
        addon.runRegions(net, y, msg.width, msg.height, rects, out, residual);
        const inferMs = performance.now() - t0;
        const transfer = residual ? [out.buffer, residual.buffer] : [out.buffer];
        send({ type: 'result', id: msg.id, width: msg.width * s, height: msg.height * s, y: out.buffer, inferMs, queuedMs, ...(residual ? { residual: residual.buffer } : {}) }, transfer);
        return;
      }
      const out = new Uint8Array(msg.width * s * msg.height * s);
      addon.run(net, y, msg.width, msg.height, out, init.stripWidth);
      const inferMs = performance.now() - t0;
      send({ type: 'result', id: msg.id, width: msg.width * s, height: msg.height * s, y: out.buffer, inferMs, queuedMs }, [out.buffer]);
    } catch (err) {
      send({ type: 'error', id: msg.id, message: messageOf(err) });
    }
  });
}

main();

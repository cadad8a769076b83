// @ts-check
/**
 * Inference worker: owns one onnxruntime InferenceSession and runs requests one at a time.
 *
 * A plain ESM .mjs (checked by tsc through JSDoc) so `new Worker(new URL('./inference-worker.mjs',
 * import.meta.url))` loads the same file under vitest (src/) and after tsc (dist/src/).
 * onnxruntime-node's run() blocks its thread, which is why it lives here and not on the event loop.
 * Protocol: ./inference-protocol.ts. One adapter per layout turns a Y plane into the model's
 * tensors and back: y_uint8 (the uprez contract) wraps the plane as-is; rgb_float runs the plane
 * replicated as grey RGB, in tiles with overlap (./rgb-tiling.mjs says why both).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { cropWindow, haloFor, pasteCore, probeReceptiveRadius, upscaleLumaInTiles } from './luma-tiling.mjs';
import { lumaTileToRgb, upscaleLumaTiled, writeTileLuma } from './rgb-tiling.mjs';

/** @typedef {import('./inference-protocol.js').WorkerInit} WorkerInit */
/** @typedef {import('./inference-protocol.js').ToWorker} ToWorker */
/** @typedef {import('./inference-protocol.js').FromWorker} FromWorker */
/** @typedef {import('./inference-protocol.js').TensorMeta} TensorMeta */
/** @typedef {import('./model-registry.js').ModelLayout} ModelLayout */

/**
 * @typedef {object} LumaOut
 * @property {Uint8Array} y
 * @property {number} width
 * @property {number} height
 * @property {number} [tiles]
 * @property {number} [maxTilePixels]
 */
/** @typedef {(session: ort.InferenceSession, y: Uint8Array, width: number, height: number) => Promise<LumaOut>} LayoutAdapter */

const DEFAULT_TILE = 256;
const DEFAULT_OVERLAP = 16;

/** @param {ort.InferenceSession} session */
function io(session) {
  return { input: session.inputNames[0] ?? '', output: session.outputNames[0] ?? '' };
}

/**
 * runY8 runs a uint8 luma model once on a whole plane (no copy: the tensor wraps the buffer).
 * @param {ort.InferenceSession} session @param {Uint8Array} y @param {number} width @param {number} height
 */
async function runY8(session, y, width, height) {
  const { input, output } = io(session);
  const results = await session.run({ [input]: new ort.Tensor('uint8', y, [1, 1, height, width]) });
  const out = results[output];
  if (!out) throw new Error(`model returned no output "${output}"`);
  const d = out.dims;
  if (out.type !== 'uint8' || d.length !== 4 || d[0] !== 1 || d[1] !== 1) {
    throw new Error(`model output is ${out.type} [${d.join(',')}], expected uint8 [1,1,H,W]`);
  }
  return { y: /** @type {Uint8Array} */ (out.data), width: Number(d[3]), height: Number(d[2]) };
}

/**
 * Tiling of uint8 luma models (luma-tiling.mjs): set after the session loads, from the measured
 * receptive radius; null runs whole frames (tiling off, or a radius the probe could not bound).
 * @type {{ tile: number; halo: number; scale: number } | null}
 */
let y8Tiling = null;

/** @type {Record<ModelLayout, LayoutAdapter>} */
const ADAPTERS = {
  y_uint8: async (session, y, width, height) => {
    const t = y8Tiling;
    if (!t || (width <= t.tile && height <= t.tile)) return runY8(session, y, width, height);
    const r = await upscaleLumaInTiles((p, w, h) => runY8(session, p, w, h), y, width, height, t);
    return { y: r.y, width: width * t.scale, height: height * t.scale, tiles: r.tiles, maxTilePixels: r.maxTilePixels };
  },
  rgb_float: async (session, y, width, height) => {
    const { input, output } = io(session);
    /** @type {(rgb: Float32Array, w: number, h: number) => Promise<{ data: Float32Array; width: number; height: number }>} */
    const run = async (rgb, w, h) => {
      const results = await session.run({ [input]: new ort.Tensor('float32', rgb, [1, 3, h, w]) });
      const out = results[output];
      if (!out) throw new Error(`model returned no output "${output}"`);
      const d = out.dims;
      if (out.type !== 'float32' || d.length !== 4 || d[0] !== 1 || d[1] !== 3) {
        throw new Error(`model output is ${out.type} [${d.join(',')}], expected float32 [1,3,H,W]`);
      }
      return { data: /** @type {Float32Array} */ (out.data), width: Number(d[3]), height: Number(d[2]) };
    };
    const tile = init.tileSize ?? DEFAULT_TILE;
    const overlap = init.tileOverlap ?? DEFAULT_OVERLAP;
    const r = await upscaleLumaTiled(run, y, width, height, { tile, overlap });
    return { y: r.y, width: width * r.scale, height: height * r.scale, tiles: r.tiles, maxTilePixels: r.maxTilePixels };
  },
};

/**
 * windowOf widens a rectangle by `halo` on every side, clipped to the frame, starting on even
 * pixels (so a model with a stride-2 stage sees the whole frame's sampling grid).
 * @param {number} x @param {number} y @param {number} w @param {number} h
 * @param {number} width @param {number} height @param {number} halo
 * @returns {import('./rgb-tiling.mjs').Tile}
 */
function windowOf(x, y, w, h, width, height, halo) {
  const px = Math.max(0, (x - halo) & ~1);
  const py = Math.max(0, (y - halo) & ~1);
  return { x, y, w, h, px, py, pw: Math.min(width, x + w + halo) - px, ph: Math.min(height, y + h + halo) - py };
}

/**
 * runRegions produces the model's HR luma for each rectangle (LR x, y, w, h in `rects`), packed one
 * after another. Each rectangle runs as its window (the rectangle plus the halo): uint8 models with
 * a measured radius give exactly the whole-frame output inside it; RGB float models use their tile
 * overlap (as their whole frames do); a uint8 model whose radius could not be measured runs the
 * whole frame once and the rectangles are cut from it.
 * @param {ort.InferenceSession} session @param {ModelLayout} layout
 * @param {Uint8Array} y @param {number} width @param {number} height @param {Int32Array} rects
 * @returns {Promise<Uint8Array>}
 */
async function runRegions(session, layout, y, width, height, rects) {
  /** @type {Uint8Array[]} */
  const parts = [];
  let whole = /** @type {{ y: Uint8Array; width: number } | null} */ (null);
  for (let k = 0; k + 3 < rects.length; k += 4) {
    const x = Number(rects[k]);
    const ry = Number(rects[k + 1]);
    const w = Number(rects[k + 2]);
    const h = Number(rects[k + 3]);
    if (layout === 'rgb_float') {
      const t = windowOf(x, ry, w, h, width, height, init.tileOverlap ?? DEFAULT_OVERLAP);
      const { input, output } = io(session);
      const res = (await session.run({ [input]: new ort.Tensor('float32', lumaTileToRgb(y, width, t), [1, 3, t.ph, t.pw]) }))[output];
      if (!res) throw new Error(`model returned no output "${output}"`);
      const scale = Number(res.dims[3]) / t.pw;
      const dst = new Uint8Array(w * scale * h * scale);
      writeTileLuma(/** @type {Float32Array} */ (res.data), { ...t, x: 0, y: 0, px: t.px - x, py: t.py - ry }, scale, dst, w * scale);
      parts.push(dst);
      continue;
    }
    const tiling = y8Tiling;
    if (!tiling) {
      whole ??= await runY8(session, y, width, height);
      const scale = whole.width / width;
      const dst = new Uint8Array(w * scale * h * scale);
      pasteCore(whole.y, { x: 0, y: 0, w, h, px: -x, py: -ry, pw: width, ph: height }, scale, dst, w * scale);
      parts.push(dst);
      continue;
    }
    const t = windowOf(x, ry, w, h, width, height, tiling.halo);
    const out = await runY8(session, cropWindow(y, width, t), t.pw, t.ph);
    const dst = new Uint8Array(w * tiling.scale * h * tiling.scale);
    pasteCore(out.y, { ...t, x: 0, y: 0, px: t.px - x, py: t.py - ry }, tiling.scale, dst, w * tiling.scale);
    parts.push(dst);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const packed = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    packed.set(p, off);
    off += p.length;
  }
  return packed;
}

/**
 * detect picks the layout of a model without a card from its input (mirrors detectLayout in
 * model-contract.ts, which the runner uses to check the result).
 * @param {readonly ort.InferenceSession.ValueMetadata[]} inputs @returns {ModelLayout}
 */
function detect(inputs) {
  const m = inputs.length === 1 ? inputs[0] : undefined;
  return m?.isTensor && m.type === 'float32' && m.shape[1] === 3 ? 'rgb_float' : 'y_uint8';
}

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
  return list.map((m) =>
    m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false },
  );
}

async function main() {
  if (init.layout !== 'detect' && !(init.layout in ADAPTERS)) {
    send({ type: 'failed', message: `layout ${init.layout} is not supported (y_uint8, rgb_float)` });
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
  const layout = init.layout === 'detect' ? detect(session.inputMetadata) : init.layout;
  const adapter = ADAPTERS[layout];
  /** @type {{ receptiveRadius?: number; lumaTile?: { size: number; halo: number } }} */
  let tiling = {};
  if (layout === 'y_uint8' && (init.lumaTile ?? 0) > 0) {
    try {
      const probe = await probeReceptiveRadius((p, w, h) => runY8(session, p, w, h));
      if (probe) {
        const size = /** @type {number} */ (init.lumaTile);
        y8Tiling = { tile: size, halo: haloFor(probe.radius), scale: probe.scale };
        tiling = { receptiveRadius: probe.radius, lumaTile: { size, halo: y8Tiling.halo } };
      }
    } catch {
      // A model that fails the probe fails the runner's own probe run too, with the reason.
    }
  }
  send({
    type: 'ready',
    provider: init.provider,
    layout,
    inputs: metaOf(session.inputMetadata),
    outputs: metaOf(session.outputMetadata),
    ...tiling,
  });

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
        const t0 = performance.now();
        // Time spent behind other requests in this worker (any stream's): the runner's callers
        // subtract it from their round trip to learn the service time alone.
        const queuedMs = t0 - receivedAt;
        if (msg.rects) {
          const packed = await runRegions(session, layout, new Uint8Array(msg.y), msg.width, msg.height, new Int32Array(msg.rects));
          const inferMs = performance.now() - t0;
          const buffer = /** @type {ArrayBuffer} */ (packed.buffer);
          send({ type: 'result', id: msg.id, width: msg.width, height: msg.height, y: buffer, inferMs, queuedMs }, [buffer]);
          return;
        }
        const { y, width, height, tiles, maxTilePixels } = await adapter(session, new Uint8Array(msg.y), msg.width, msg.height);
        const inferMs = performance.now() - t0;
        // The binding gives a fresh ArrayBuffer per output: transfer it whole; copy only a view.
        const owned = y.byteOffset === 0 && y.byteLength === y.buffer.byteLength ? y : y.slice();
        const buffer = /** @type {ArrayBuffer} */ (owned.buffer);
        const tiling = tiles === undefined ? {} : { tiles, maxTilePixels };
        send({ type: 'result', id: msg.id, width, height, y: buffer, inferMs, queuedMs, ...tiling }, [buffer]);
      } catch (err) {
        send({ type: 'error', id: msg.id, message: messageOf(err) });
      }
    });
  });
}

void main();

// check-onnx compares onnxruntime-node with the PyTorch reference written by export.py and times a
// 640x360 frame on one CPU thread.
//   node models/train/check-onnx.mjs models/uprez-x2-fast.onnx models/train/runs/check/uprez-x2-fast
// REFDIR/manifest.json lists { name, height, width, scale }; NAME.lr.u8 / NAME.sr.u8 are raw uint8 Y.
// Prints one JSON object: per-image max abs difference, the overall max, and the timing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelPath, refDir, runsArg] = process.argv.slice(2);
if (!modelPath || !refDir) {
  console.error('usage: node check-onnx.mjs MODEL.onnx REFDIR [TIMING_RUNS]');
  process.exit(2);
}
const timingRuns = Number(runsArg ?? 30);
// One intra-op thread: the live service shares the CPU between streams, so per-thread cost is what matters.
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const inName = session.inputNames[0];
const outName = session.outputNames[0];

const manifest = JSON.parse(readFileSync(join(refDir, 'manifest.json'), 'utf8'));
const images = [];
let maxAbsDiff = 0;
let scale = 0;
for (const { name, height, width, scale: s } of manifest) {
  scale = s;
  const lr = new Uint8Array(readFileSync(join(refDir, `${name}.lr.u8`)));
  const ref = new Uint8Array(readFileSync(join(refDir, `${name}.sr.u8`)));
  const out = await session.run({ [inName]: new ort.Tensor('uint8', lr, [1, 1, height, width]) });
  const t = out[outName];
  const want = [1, 1, height * s, width * s];
  if (t.type !== 'uint8' || t.dims.join() !== want.join()) {
    throw new Error(`${name}: got ${t.type} [${t.dims}], want uint8 [${want}]`);
  }
  let max = 0;
  let differing = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(t.data[i] - ref[i]);
    if (d > max) max = d;
    if (d) differing++;
  }
  maxAbsDiff = Math.max(maxAbsDiff, max);
  images.push({ name, maxAbsDiff: max, differingPixels: differing, pixels: ref.length });
}

// Timing: a 640x360 luma frame (input size), after warm-up, median of timingRuns.
const w = 640;
const h = 360;
const frame = new Uint8Array(w * h);
for (let i = 0; i < frame.length; i++) frame[i] = (i * 7 + ((i / w) | 0) * 3) & 255;
const feed = { [inName]: new ort.Tensor('uint8', frame, [1, 1, h, w]) };
for (let i = 0; i < 3; i++) await session.run(feed);
const times = [];
for (let i = 0; i < timingRuns; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(feed);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(JSON.stringify({
  model: modelPath, scale, inputName: inName, outputName: outName, ort: ort.env.versions?.common ?? null,
  maxAbsDiff, images, msPerFrame640x360: { median: Number(median.toFixed(2)), min: Number(times[0].toFixed(2)),
    runs: timingRuns, intraOpNumThreads: 1, interOpNumThreads: 1 },
}));
if (maxAbsDiff > 1) process.exit(1);

// run-onnx upscales a batch of uint8 luma frames with a shipped .onnx model through onnxruntime-node
// (CPU EP, one thread), the way uprez runs it, so the gain tables on the cards measure the file itself.
//   node models/train/run-onnx.mjs MODEL.onnx IN.u8 IN.json OUT.u8
// IN.json: { "scale": s, "frames": [[h, w], ...] }; IN.u8 holds the frames back to back, OUT.u8 gets
// the outputs ([s*h, s*w] each) back to back.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [modelPath, inPath, manifestPath, outPath] = process.argv.slice(2);
if (!modelPath || !inPath || !manifestPath || !outPath) {
  console.error('usage: node run-onnx.mjs MODEL.onnx IN.u8 IN.json OUT.u8');
  process.exit(2);
}
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const { scale, frames } = JSON.parse(readFileSync(manifestPath, 'utf8'));
const input = readFileSync(inPath);
const total = frames.reduce((n, [h, w]) => n + h * w * scale * scale, 0);
const out = new Uint8Array(total);
let inOff = 0;
let outOff = 0;
for (const [h, w] of frames) {
  const y = new Uint8Array(input.buffer, input.byteOffset + inOff, h * w);
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('uint8', y, [1, 1, h, w]) });
  const t = res[session.outputNames[0]];
  if (t.type !== 'uint8' || t.dims.join() !== [1, 1, h * scale, w * scale].join()) {
    throw new Error(`got ${t.type} [${t.dims}], want uint8 [1,1,${h * scale},${w * scale}]`);
  }
  out.set(t.data, outOff);
  inOff += h * w;
  outOff += t.data.length;
}
writeFileSync(outPath, out);
await session.release();

/**
 * The model contracts, checked against a loaded session's metadata and its first output.
 * y_uint8 (ours): one input, uint8 [1,1,H,W] with H and W free; one output, uint8 [1,1,sH,sW].
 * rgb_float (the common export of SR networks from elsewhere): one input, float32 [1,3,H,W] in
 * 0..1 with H and W free; one output, float32 [1,3,sH,sW].
 */
import type { TensorMeta } from './inference-protocol.js';
import type { ModelLayout } from './model-registry.js';

function describe(m: TensorMeta): string {
  return m.isTensor ? `"${m.name}" ${m.type} [${(m.shape ?? []).join(',')}]` : `"${m.name}" (not a tensor)`;
}

/** dimIs says whether a metadata dim is `n` or a free (symbolic) dim that can take the value n. */
function dimAllows(d: number | string | undefined, n: number): boolean {
  return typeof d === 'string' || d === n;
}

function checkOne(m: TensorMeta | undefined, role: 'input' | 'output', count: number): string | null {
  if (count !== 1 || !m) return `the model has ${count} ${role}s, expected exactly one uint8 [1,1,H,W] ${role}`;
  const shape = m.shape ?? [];
  if (!m.isTensor || m.type !== 'uint8' || shape.length !== 4 || !dimAllows(shape[0], 1) || !dimAllows(shape[1], 1)) {
    return `${role} ${describe(m)} is not uint8 [1,1,H,W] (the uprez contract: Y only, the graph does its own cast/normalise/clamp)`;
  }
  if (role === 'input' && (typeof shape[2] !== 'string' || typeof shape[3] !== 'string')) {
    return `input ${describe(m)} has a fixed height/width; export it with dynamic H and W so any stream size works`;
  }
  return null;
}

/** lumaContractProblem returns why the metadata breaks the contract, or null when it fits (pure). */
export function lumaContractProblem(inputs: readonly TensorMeta[], outputs: readonly TensorMeta[]): string | null {
  return checkOne(inputs[0], 'input', inputs.length) ?? checkOne(outputs[0], 'output', outputs.length);
}

function checkRgb(m: TensorMeta | undefined, role: 'input' | 'output', count: number): string | null {
  if (count !== 1 || !m) return `the model has ${count} ${role}s, expected exactly one float32 [1,3,H,W] ${role}`;
  const shape = m.shape ?? [];
  if (!m.isTensor || m.type !== 'float32' || shape.length !== 4 || !dimAllows(shape[0], 1) || !dimAllows(shape[1], 3)) {
    return `${role} ${describe(m)} is not float32 [1,3,H,W] (the rgb_float layout: planar RGB in 0..1)`;
  }
  if (role === 'input' && (typeof shape[2] !== 'string' || typeof shape[3] !== 'string')) {
    return `input ${describe(m)} has a fixed height/width; export it with dynamic H and W so it can run on tiles of any size`;
  }
  return null;
}

/** rgbContractProblem returns why the metadata breaks the rgb_float layout, or null when it fits (pure). */
export function rgbContractProblem(inputs: readonly TensorMeta[], outputs: readonly TensorMeta[]): string | null {
  return checkRgb(inputs[0], 'input', inputs.length) ?? checkRgb(outputs[0], 'output', outputs.length);
}

/** contractProblem checks the metadata against the given layout's contract (pure). */
export function contractProblem(layout: ModelLayout, inputs: readonly TensorMeta[], outputs: readonly TensorMeta[]): string | null {
  return layout === 'rgb_float' ? rgbContractProblem(inputs, outputs) : lumaContractProblem(inputs, outputs);
}

/**
 * detectLayout names the layout a model without a card is in, from its single input: float32 with
 * 3 channels is rgb_float, anything else is held to the y_uint8 contract (whose check then says
 * what does not fit). Pure.
 */
export function detectLayout(inputs: readonly TensorMeta[]): ModelLayout {
  const m = inputs.length === 1 ? inputs[0] : undefined;
  return m?.isTensor && m.type === 'float32' && m.shape?.[1] === 3 ? 'rgb_float' : 'y_uint8';
}

/** outputScaleProblem checks a probe run's output size against the expected scale (pure). */
export function outputScaleProblem(inW: number, inH: number, outW: number, outH: number, scale: number): string | null {
  if (outW === inW * scale && outH === inH * scale) return null;
  const sx = outW / inW;
  const sy = outH / inH;
  const seen = sx === sy ? `x${Number(sx.toFixed(3))}` : `x${Number(sx.toFixed(3))} by x${Number(sy.toFixed(3))}`;
  return `a ${inW}x${inH} input came out ${outW}x${outH} (${seen}), but the model is declared x${scale}`;
}

/**
 * The uprez model contract, checked against a loaded session's metadata and its first output:
 * one input, uint8 [1,1,H,W] with H and W free; one output, uint8 [1,1,sH,sW].
 */
import type { TensorMeta } from './inference-protocol.js';

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

/** outputScaleProblem checks a probe run's output size against the expected scale (pure). */
export function outputScaleProblem(inW: number, inH: number, outW: number, outH: number, scale: number): string | null {
  if (outW === inW * scale && outH === inH * scale) return null;
  const sx = outW / inW;
  const sy = outH / inH;
  const seen = sx === sy ? `x${Number(sx.toFixed(3))}` : `x${Number(sx.toFixed(3))} by x${Number(sy.toFixed(3))}`;
  return `a ${inW}x${inH} input came out ${outW}x${outH} (${seen}), but the model is declared x${scale}`;
}

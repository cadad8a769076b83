/**
 * inspectNativeModel reads an .onnx file once and says whether the native kernel runs it: the
 * network it recognised (weights, scale, cost, receptive radius) or the reason it does not.
 * The file's sha256 comes with either answer, so the caller can check a card's digest without
 * reading the file twice. Never throws for a bad model (that is a reason); only for a file it
 * cannot read.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '../../errors.js';
import { parseOnnxModel } from './onnx-proto.js';
import { recogniseSrNet, type SrNetSpec } from './sr-graph.js';

/** NativeModelCheck: the recognised network, or why not; and the file's digest. */
export type NativeModelCheck =
  | { readonly ok: true; readonly spec: SrNetSpec; readonly sha256: string }
  | { readonly ok: false; readonly reason: string; readonly sha256?: string };

/** Larger files are not our small nets: refused without reading them. */
export const MAX_NATIVE_MODEL_BYTES = 64 * 2 ** 20;

/** inspectNativeModel reads and recognises the model at `path`. */
export async function inspectNativeModel(path: string): Promise<NativeModelCheck> {
  const size = (await stat(path)).size;
  if (size > MAX_NATIVE_MODEL_BYTES) return { ok: false, reason: `the file is ${size} bytes (the native kernel reads models up to ${MAX_NATIVE_MODEL_BYTES})` };
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let model;
  try {
    model = parseOnnxModel(bytes);
  } catch (err) {
    return { ok: false, reason: errorMessage(err), sha256 };
  }
  const r = recogniseSrNet(model);
  return r.ok ? { ok: true, spec: r.spec, sha256 } : { ok: false, reason: r.reason, sha256 };
}

/**
 * openModelRunner picks the inference engine for a model: the native SR kernel when the model
 * is one of the plain conv/ReLU/pixel-shuffle networks it recognises in the .onnx file and the
 * addon is built, onnxruntime otherwise (bring-your-own models, RGB float layouts, CUDA), and
 * logs which and why. `engine` forces either (what an --inference-engine flag would pass).
 */
import { existsSync } from 'node:fs';
import { UprezError, errorMessage } from '../errors.js';
import { createModelRunner, type ModelRunner, type ModelRunnerOptions } from './model-runner.js';
import { createNativeRunner, type NativeRunner } from './native-runner.js';
import { loadNativeSr } from './native/sr-addon.mjs';
import { inspectNativeModel } from './native/sr-model.js';
import type { SrNetSpec } from './native/sr-graph.js';

/** InferenceEngine: which engine runs the model ('auto': native when it can). */
export type InferenceEngine = 'auto' | 'native' | 'onnxruntime';

/** INFERENCE_ENGINES lists the accepted values, for flag parsing. */
export const INFERENCE_ENGINES: readonly InferenceEngine[] = ['auto', 'native', 'onnxruntime'];

/** OpenModelRunnerOptions: the onnxruntime runner's options plus the engine choice. */
export interface OpenModelRunnerOptions extends ModelRunnerOptions {
  /** Default 'auto'. */
  readonly engine?: InferenceEngine;
  /** Native instruction set (avx512, avx2, scalar); default UPREZ_SR_ISA, else the fastest this CPU runs. */
  readonly nativeIsa?: string;
  /** Native whole-frame strip width (LR columns; 0, the default: sized to the cache by the kernel). */
  readonly stripWidth?: number;
  /** Environment (UPREZ_NATIVE_SR=off, UPREZ_SR_ISA); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Whether an NVIDIA GPU is visible (with --provider auto it goes to onnxruntime's CUDA provider); default: /dev/nvidiactl exists. */
  readonly gpuPresent?: () => boolean;
}

/** OpenedModelRunner: the runner, which engine it is, and why that one. `native` is set when it is the native runner. */
export interface OpenedModelRunner {
  readonly runner: ModelRunner;
  readonly engine: 'native' | 'onnxruntime';
  readonly reason: string;
  readonly native: NativeRunner | null;
}

/** EngineChoice is the decision before anything starts. */
export type EngineChoice =
  | { readonly engine: 'native'; readonly spec: SrNetSpec; readonly isa: string; readonly reason: string }
  | { readonly engine: 'onnxruntime'; readonly reason: string };

function unavailable(why: string): UprezError {
  return new UprezError('MODEL_ENGINE_UNAVAILABLE', `--inference-engine native: ${why}; use --inference-engine auto or onnxruntime`);
}

/** chooseEngine decides native or onnxruntime for the model (reads the .onnx; starts nothing). */
export async function chooseEngine(opts: OpenModelRunnerOptions): Promise<EngineChoice> {
  const engine = opts.engine ?? 'auto';
  const forced = engine === 'native';
  const env = opts.env ?? process.env;
  const ort = (reason: string): EngineChoice => {
    if (forced) throw unavailable(reason);
    return { engine: 'onnxruntime', reason };
  };
  if (engine === 'onnxruntime') return { engine: 'onnxruntime', reason: 'asked for onnxruntime' };
  if (opts.model.layout === 'rgb_float') return ort('rgb_float models run in onnxruntime');
  if (opts.provider === 'cuda') return ort('--provider cuda: the native kernel runs on the CPU');
  const gpu = opts.gpuPresent ?? (() => existsSync('/dev/nvidiactl'));
  if (opts.provider === 'auto' && !forced && gpu()) return ort('an NVIDIA GPU is present and --provider auto: onnxruntime tries CUDA');
  const load = loadNativeSr(env);
  if (!load.addon) return ort(load.why);
  const isas = load.addon.isas();
  const isa = opts.nativeIsa ?? env['UPREZ_SR_ISA'] ?? isas[0] ?? 'scalar';
  if (!isas.includes(isa))
    throw new UprezError('CONFIG_INVALID', `native instruction set ${isa} is not one this CPU runs (${isas.join(', ')})`);
  let check;
  try {
    check = await inspectNativeModel(opts.model.path);
  } catch (err) {
    return ort(`cannot read ${opts.model.path}: ${errorMessage(err)}`);
  }
  const want = opts.model.card?.fields['sha256'];
  if (typeof want === 'string' && /^[0-9a-f]{64}$/i.test(want) && check.sha256 && check.sha256 !== want.toLowerCase()) {
    throw new UprezError(
      'MODEL_INVALID',
      `model ${opts.model.name} (${opts.model.path}) is not usable: its sha256 is ${check.sha256} but the card ${opts.model.card?.cardPath} says ${want} (re-export the model or fix the card)`,
    );
  }
  if (!check.ok) return ort(`the native kernel does not run this graph: ${check.reason}`);
  if (check.spec.scale !== opts.model.scale) {
    const where = opts.model.card ? `the card ${opts.model.card.cardPath}` : '--scale';
    throw new UprezError(
      'MODEL_INVALID',
      `model ${opts.model.name} (${opts.model.path}) is not usable: it upscales x${check.spec.scale} but ${where} says x${opts.model.scale}`,
    );
  }
  return { engine: 'native', spec: check.spec, isa, reason: forced ? 'asked for native' : `the native kernel runs this graph (${isa})` };
}

/** openModelRunner starts the chosen engine; with 'auto', a native start failure falls back to onnxruntime (logged). */
export async function openModelRunner(opts: OpenModelRunnerOptions): Promise<OpenedModelRunner> {
  const choice = await chooseEngine(opts);
  const { log, model } = opts;
  if (choice.engine === 'native') {
    try {
      const native = await createNativeRunner({
        model,
        spec: choice.spec,
        isa: choice.isa,
        log,
        ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
        ...(opts.stripWidth !== undefined ? { stripWidth: opts.stripWidth } : {}),
      });
      log.info('inference engine', { model: model.name, engine: 'native', reason: choice.reason });
      return { runner: native, engine: 'native', reason: choice.reason, native };
    } catch (err) {
      if (opts.engine === 'native') throw err;
      const reason = `the native engine did not start (${errorMessage(err)})`;
      log.warn('inference engine', { model: model.name, engine: 'onnxruntime', reason });
      return { runner: await createModelRunner(opts), engine: 'onnxruntime', reason, native: null };
    }
  }
  log.info('inference engine', { model: model.name, engine: 'onnxruntime', reason: choice.reason });
  return { runner: await createModelRunner(opts), engine: 'onnxruntime', reason: choice.reason, native: null };
}

/**
 * Recognises the ONNX graphs the native SR kernel runs, from the file itself: uint8 Y in,
 * Cast and scale, a chain of stride-1 convs (3x3 or 5x5, zero or edge padding) with ReLUs, an
 * optional 1-channel skip conv added to it, DepthToSpace, scale, Round, Clip 0..255, Cast uint8.
 * Anything else (another op, a stride, a dilation, groups, a second input, external data, an RGB
 * float model) is refused with the reason, and the model runs in onnxruntime. Pure.
 */
import { foldConstants, tensorValues, type Const } from './onnx-fold.js';
import { DT, type OnnxModel, type OnnxNode } from './onnx-proto.js';

/** SrConv is one convolution: weights [cout][cin][k][k] and bias [cout], padding of its input. */
export interface SrConv {
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly relu: boolean;
  /** true: the conv pads its input by edge replication; false: by zeros. */
  readonly edge: boolean;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/** SrNetSpec is a recognised network, as the addon's create() takes it (plus cost and reach). */
export interface SrNetSpec {
  readonly scale: number;
  /** Multiplier from uint8 to the network's input (1/255 for ours). */
  readonly inScale: number;
  /** Multiplier from the network's output to grey levels before rounding (255 for ours). */
  readonly outScale: number;
  readonly body: readonly SrConv[];
  readonly skip: SrConv | null;
  /** Multiply-accumulates per LR pixel, all convs. */
  readonly macsPerPixel: number;
  /** How many LR pixels beyond a rectangle its output depends on. */
  readonly radius: number;
}

/** Recognition is the spec, or why the native kernel does not run this model. */
export type Recognition = { readonly ok: true; readonly spec: SrNetSpec } | { readonly ok: false; readonly reason: string };

class Refusal extends Error {}

function refuse(why: string): never {
  throw new Refusal(why);
}

const MAX_CHANNELS = 64;
const MAX_LAYERS = 16;

/** Graph wraps the compute nodes with lookups by tensor. */
class Graph {
  private readonly consumers = new Map<string, OnnxNode[]>();
  readonly used = new Set<OnnxNode>();

  constructor(
    readonly model: OnnxModel,
    readonly consts: ReadonlyMap<string, Const>,
    compute: readonly OnnxNode[],
  ) {
    for (const n of compute) {
      for (const i of n.inputs) {
        if (i === '' || consts.has(i) || model.initializers.has(i)) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }

  /** only returns the single consumer of `t` (refusing fan-out), marking it used. */
  only(t: string, what: string): OnnxNode {
    const c = this.consumers.get(t) ?? [];
    if (c.length !== 1) refuse(`${what} feeds ${c.length} nodes, expected 1`);
    return this.take(c[0] as OnnxNode);
  }

  consumersOf(t: string): readonly OnnxNode[] {
    return this.consumers.get(t) ?? [];
  }

  take(n: OnnxNode): OnnxNode {
    if (n.domain !== '' && n.domain !== 'ai.onnx') refuse(`node ${n.name || n.opType} is in domain ${n.domain}`);
    this.used.add(n);
    return n;
  }

  scalar(name: string | undefined, what: string): number {
    const c = name === undefined ? undefined : this.consts.get(name);
    if (!c || c.data.length !== 1) refuse(`${what} is not a constant scalar`);
    return c.data[0] as number;
  }

  floats(name: string | undefined, what: string): { dims: readonly number[]; data: Float32Array } {
    const t = name === undefined ? undefined : this.model.initializers.get(name);
    if (!t || t.external) refuse(`${what} is not an initializer held in the file`);
    if (t.dataType !== DT.FLOAT) refuse(`${what} is not float32 (type ${t.dataType})`);
    const v = tensorValues(t);
    if (!v) refuse(`${what} could not be read`);
    return { dims: t.dims, data: Float32Array.from(v) };
  }
}

function ints(n: OnnxNode, name: string): readonly number[] | undefined {
  return n.attributes.get(name)?.ints;
}

/** conv reads a Conv node (after an optional Pad) into an SrConv; returns it and its output tensor. */
function conv(g: Graph, node: OnnxNode, pad: OnnxNode | null, label: string): { c: SrConv; out: string } {
  const w = g.floats(node.inputs[1], `${label} weight`);
  if (w.dims.length !== 4) refuse(`${label}: weight is not 4-D`);
  const [cout, cin, kh, kw] = w.dims as [number, number, number, number];
  if (kh !== kw || (kh !== 3 && kh !== 5)) refuse(`${label}: kernel ${kh}x${kw} (the native kernel runs 3x3 and 5x5)`);
  if (cout > MAX_CHANNELS || cin > MAX_CHANNELS) refuse(`${label}: more than ${MAX_CHANNELS} channels`);
  const a = node.attributes;
  if ((a.get('group')?.i ?? 1) !== 1) refuse(`${label}: grouped convolution`);
  if ((ints(node, 'strides') ?? [1, 1]).some((s) => s !== 1)) refuse(`${label}: stride ${(ints(node, 'strides') ?? []).join('x')} (two-scale bodies run in onnxruntime)`);
  if ((ints(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) refuse(`${label}: dilated convolution`);
  const ks = ints(node, 'kernel_shape');
  if (ks && (ks[0] !== kh || ks[1] !== kw)) refuse(`${label}: kernel_shape disagrees with the weight`);
  const r = (kh - 1) / 2;
  const autoPad = a.get('auto_pad')?.s ?? 'NOTSET';
  const convPads = autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER' ? [r, r, r, r] : autoPad === 'NOTSET' ? (ints(node, 'pads') ?? [0, 0, 0, 0]) : refuse(`${label}: auto_pad ${autoPad}`);
  let edge = false;
  let pads = convPads;
  if (pad) {
    if (convPads.some((p) => p !== 0)) refuse(`${label}: padded both by a Pad node and by the conv`);
    const mode = pad.attributes.get('mode')?.s ?? 'constant';
    const p = pad.inputs[1] ? g.consts.get(pad.inputs[1])?.data : ints(pad, 'pads');
    if (!p || p.length !== 8 || p[0] || p[1] || p[4] || p[5]) refuse(`${label}: a Pad whose pads are not constant on H and W only`);
    if (mode === 'edge') edge = true;
    else if (mode === 'constant') {
      const v = pad.inputs[2] ? g.scalar(pad.inputs[2], `${label} pad value`) : (pad.attributes.get('value')?.f ?? 0);
      if (v !== 0) refuse(`${label}: pads with the constant ${v}`);
    } else refuse(`${label}: Pad mode ${mode}`);
    pads = [p[2] as number, p[3] as number, p[6] as number, p[7] as number];
  }
  if (pads.some((p) => p !== r)) refuse(`${label}: padding [${pads.join(',')}] does not keep the size (needs ${r} on every side)`);
  let bias: Float32Array = new Float32Array(cout);
  if (node.inputs[2]) {
    const b = g.floats(node.inputs[2], `${label} bias`);
    if (b.data.length !== cout) refuse(`${label}: bias has ${b.data.length} values for ${cout} channels`);
    bias = b.data;
  }
  return { c: { cin, cout, k: kh, relu: false, edge, weight: w.data, bias }, out: node.outputs[0] as string };
}

/** chain follows [Pad] Conv [Relu] ... from tensor t until something else consumes it. */
function chain(g: Graph, t: string, first: OnnxNode, label: string): { convs: SrConv[]; out: string; next: OnnxNode } {
  const convs: SrConv[] = [];
  let node = first;
  for (;;) {
    let pad: OnnxNode | null = null;
    if (node.opType === 'Pad') {
      pad = node;
      node = g.only(node.outputs[0] as string, `${label} Pad`);
    }
    if (node.opType !== 'Conv') {
      if (pad) refuse(`${label}: a Pad is followed by ${node.opType}, not a Conv`);
      return { convs, out: t, next: node };
    }
    if (convs.length >= MAX_LAYERS) refuse(`${label}: more than ${MAX_LAYERS} convs`);
    const { c, out } = conv(g, node, pad, `${label} conv ${convs.length + 1}`);
    t = out;
    node = g.only(t, `${label} conv ${convs.length + 1}`);
    if (node.opType === 'Relu') {
      convs.push({ ...c, relu: true });
      t = node.outputs[0] as string;
      node = g.only(t, `${label} relu ${convs.length}`);
    } else convs.push(c);
  }
}

/** scaleBy reads an optional Mul/Div by a constant scalar after `node`; returns the factor and the next node. */
function scaleBy(g: Graph, node: OnnxNode, what: string): { factor: number; out: string; next: OnnxNode | null } {
  if (node.opType !== 'Mul' && node.opType !== 'Div') return { factor: 1, out: '', next: node };
  const k = node.inputs.findIndex((i) => g.consts.has(i));
  if (k < 0 || (node.opType === 'Div' && k !== 1)) refuse(`${what}: ${node.opType} by a non-constant`);
  const v = g.scalar(node.inputs[k], `${what} factor`);
  const factor = node.opType === 'Mul' ? v : Math.fround(1 / v);
  if (!Number.isFinite(factor) || factor === 0) refuse(`${what}: factor ${v}`);
  return { factor, out: node.outputs[0] as string, next: null };
}

function recognise(model: OnnxModel): SrNetSpec {
  for (const [domain, version] of model.opsets) if (domain === '' && version < 11) refuse(`opset ${version} (the recogniser reads opset 11 and later)`);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) refuse(`${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`);
  const input = model.inputs[0] as OnnxModel['inputs'][number];
  const output = model.outputs[0] as OnnxModel['outputs'][number];
  if (input.elemType !== DT.UINT8 || output.elemType !== DT.UINT8) refuse('input and output are not uint8 (the uprez y_uint8 contract)');
  if (input.shape.length !== 4 || (typeof input.shape[1] === 'number' && input.shape[1] !== 1)) refuse('input is not [1,1,H,W]');
  const { consts, compute } = foldConstants(model);
  const g = new Graph(model, consts, compute);

  const cast = g.only(input.name, 'the input');
  if (cast.opType !== 'Cast' || cast.attributes.get('to')?.i !== DT.FLOAT) refuse(`the input goes to ${cast.opType}, not a Cast to float`);
  let x = cast.outputs[0] as string;
  const inNodes = g.consumersOf(x);
  let inScale = 1;
  if (inNodes.length === 1 && (inNodes[0]?.opType === 'Mul' || inNodes[0]?.opType === 'Div')) {
    const s = scaleBy(g, g.take(inNodes[0]), 'input scaling');
    inScale = s.factor;
    x = s.out;
  }
  const heads = g.consumersOf(x);
  if (heads.length < 1 || heads.length > 2) refuse(`the scaled input feeds ${heads.length} nodes (expected a body and at most one skip)`);
  const chains = heads.map((h, i) => chain(g, x, g.take(h), heads.length === 1 ? 'body' : `branch ${i + 1}`));
  const empty = chains.find((c) => c.convs.length === 0);
  if (empty) refuse(`the input goes to ${empty.next.opType}, which the native kernel does not run`);
  let body = chains[0] as (typeof chains)[number];
  let skip: SrConv | null = null;
  let next = body.next;
  if (chains.length === 2) {
    const [a, b] = chains as [(typeof chains)[number], (typeof chains)[number]];
    if (a.next !== b.next || a.next.opType !== 'Add' || a.out === b.out) refuse('the two branches from the input do not meet in one Add');
    // The skip is a single conv without ReLU; if both qualify, the longer branch is the body.
    const isSkip = (c: typeof a) => c.convs.length === 1 && !(c.convs[0] as SrConv).relu;
    const [bd, sk] = isSkip(b) && (!isSkip(a) || a.convs.length >= b.convs.length) ? [a, b] : isSkip(a) ? [b, a] : refuse('neither branch is a single conv (a skip)');
    body = bd;
    skip = sk.convs[0] as SrConv;
    const sum = a.next.outputs[0] as string;
    next = g.only(sum, 'the Add');
  }
  const convs = body.convs;
  if (!convs.length) refuse('the body has no conv');
  if ((convs[0] as SrConv).cin !== 1) refuse('the first conv does not take the 1-channel input');
  for (let i = 1; i < convs.length; i++) if ((convs[i] as SrConv).cin !== (convs[i - 1] as SrConv).cout) refuse(`conv ${i + 1} does not take conv ${i}'s channels`);
  if (next.opType !== 'DepthToSpace') refuse(`the body ends in ${next.opType}, not DepthToSpace`);
  const scale = next.attributes.get('blocksize')?.i ?? 0;
  const phases = scale * scale;
  if (scale < 1 || scale > 4) refuse(`DepthToSpace blocksize ${scale}`);
  // With one output channel CRD and DCR orders are the same.
  if ((convs[convs.length - 1] as SrConv).cout !== phases) refuse(`the last conv gives ${(convs[convs.length - 1] as SrConv).cout} channels for a x${scale} DepthToSpace with 1 output channel`);
  if (skip && (skip.cin !== 1 || skip.cout !== phases)) refuse('the skip conv does not map the input to scale^2 phases');
  let node = g.only(next.outputs[0] as string, 'DepthToSpace');
  const o = scaleBy(g, node, 'output scaling');
  const outScale = o.factor;
  if (o.next === null) node = g.only(o.out, 'output scaling');
  if (node.opType !== 'Round') refuse(`the output goes to ${node.opType} where Round was expected (truncating casts are not supported)`);
  node = g.only(node.outputs[0] as string, 'Round');
  if (node.opType !== 'Clip') refuse(`Round is followed by ${node.opType}, not Clip`);
  const lo = node.inputs[1] ? g.scalar(node.inputs[1], 'Clip min') : node.attributes.get('min')?.f;
  const hi = node.inputs[2] ? g.scalar(node.inputs[2], 'Clip max') : node.attributes.get('max')?.f;
  if (lo !== 0 || hi !== 255) refuse(`Clip ${lo}..${hi}, expected 0..255`);
  node = g.only(node.outputs[0] as string, 'Clip');
  if (node.opType !== 'Cast' || node.attributes.get('to')?.i !== DT.UINT8 || node.outputs[0] !== output.name) refuse('the clipped value is not cast to uint8 as the graph output');
  const left = compute.filter((n) => !g.used.has(n));
  if (left.length) refuse(`node ${left[0]?.name || ''} (${left[0]?.opType}) is outside the supported pattern`);
  const all = skip ? [...convs, skip] : convs;
  const macs = all.reduce((s, c) => s + c.cin * c.cout * c.k * c.k, 0);
  const radius = Math.max(convs.reduce((s, c) => s + (c.k - 1) / 2, 0), skip ? (skip.k - 1) / 2 : 0);
  return { scale, inScale, outScale, body: convs, skip, macsPerPixel: macs, radius };
}

/** recogniseSrNet says whether the native kernel runs this model, and with what network. */
export function recogniseSrNet(model: OnnxModel): Recognition {
  try {
    return { ok: true, spec: recognise(model) };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    throw err;
  }
}

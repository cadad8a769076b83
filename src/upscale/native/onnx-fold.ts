/**
 * Constant folding for the small "shape plumbing" subgraphs exporters emit (torch computes a
 * Pad's pads with Constant, ConstantOfShape, Concat, Reshape, Slice, Transpose and Cast). Folds
 * every node whose inputs are all constants and whose op is listed here, on small tensors only,
 * and leaves the rest (the compute graph) for the recogniser. Pure.
 */
import { DT, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

/** Const is a folded tensor: numbers (int64 read as doubles; exact below 2^53), its ONNX type and shape. */
export interface Const {
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly data: readonly number[];
}

/** FoldResult: constants by tensor name, and the nodes that are left to run. */
export interface FoldResult {
  readonly consts: ReadonlyMap<string, Const>;
  readonly compute: readonly OnnxNode[];
}

const MAX_FOLD = 4096;

/** tensorValues decodes a tensor's bytes into numbers (float, double, (u)int8/16/32/64); null for other types. */
export function tensorValues(t: OnnxTensor): number[] | null {
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out: number[] = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    switch (t.dataType) {
      case DT.FLOAT:
        out[k] = dv.getFloat32(k * 4, true);
        break;
      case DT.DOUBLE:
        out[k] = dv.getFloat64(k * 8, true);
        break;
      case DT.UINT8:
        out[k] = dv.getUint8(k);
        break;
      case DT.INT8:
        out[k] = dv.getInt8(k);
        break;
      case DT.INT32:
        out[k] = dv.getInt32(k * 4, true);
        break;
      case DT.INT64:
        out[k] = Number(dv.getBigInt64(k * 8, true));
        break;
      default:
        return null;
    }
  }
  return out;
}

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

/** gather builds a tensor of shape `dims` whose element at index vector v is src[at(v)]. */
function gather(src: Const, dims: number[], at: (idx: number[]) => number): Const {
  const n = count(dims);
  const data = new Array<number>(n);
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < n; k++) {
    data[k] = src.data[at(idx)] as number;
    for (let d = dims.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (dims[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { dataType: src.dataType, dims, data };
}

function intAttr(node: OnnxNode, name: string, def: number): number {
  return node.attributes.get(name)?.i ?? def;
}

/** A folder gets the node's inputs in order; an omitted optional input ('' name) is undefined. */
type Folder = (node: OnnxNode, ins: readonly (Const | undefined)[]) => Const | null;

const FOLDERS: Readonly<Record<string, Folder>> = {
  Identity: (_n, [a]) => a ?? null,
  Constant: (node) => {
    const a = node.attributes;
    const t = a.get('value')?.t;
    if (t) {
      const v = tensorValues(t);
      return v ? { dataType: t.dataType, dims: t.dims, data: v } : null;
    }
    const f = a.get('value_float')?.f;
    if (f !== undefined) return { dataType: DT.FLOAT, dims: [], data: [f] };
    const i = a.get('value_int')?.i;
    if (i !== undefined) return { dataType: DT.INT64, dims: [], data: [i] };
    const fs = a.get('value_floats')?.floats;
    if (fs) return { dataType: DT.FLOAT, dims: [fs.length], data: fs };
    const is = a.get('value_ints')?.ints;
    if (is) return { dataType: DT.INT64, dims: [is.length], data: is };
    return null;
  },
  ConstantOfShape: (node, [shape]) => {
    if (!shape || shape.dims.length !== 1) return null;
    const t = node.attributes.get('value')?.t;
    const v = t ? tensorValues(t) : [0];
    if (!v || v.length !== 1 || shape.data.some((d) => d < 0) || count(shape.data) > MAX_FOLD) return null;
    return { dataType: t?.dataType ?? DT.FLOAT, dims: [...shape.data], data: new Array<number>(count(shape.data)).fill(v[0] as number) };
  },
  Concat: (node, ins) => {
    // 1-D only: what shape plumbing concatenates.
    const axis = intAttr(node, 'axis', 0);
    if (!ins.length || (axis !== 0 && axis !== -1)) return null;
    const list = ins.filter((t): t is Const => t !== undefined && t.dims.length === 1 && t.dataType === ins[0]?.dataType);
    if (list.length !== ins.length) return null;
    const data = list.flatMap((t) => [...t.data]);
    return { dataType: (list[0] as Const).dataType, dims: [data.length], data };
  },
  Reshape: (_n, [data, shape]) => {
    if (!data || !shape || shape.dims.length !== 1) return null;
    const dims = shape.data.map((d, i) => (d === 0 ? (data.dims[i] ?? -2) : d));
    const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const infer = dims.filter((d) => d === -1).length;
    if (dims.some((d) => d < -1) || infer > 1 || known === 0) return null;
    const out = dims.map((d) => (d === -1 ? data.data.length / known : d));
    if (!out.every(Number.isInteger) || count(out) !== data.data.length) return null;
    return { dataType: data.dataType, dims: out, data: data.data };
  },
  Transpose: (node, [a]) => {
    if (!a) return null;
    const rank = a.dims.length;
    const perm = node.attributes.get('perm')?.ints ?? [...Array(rank).keys()].reverse();
    if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i)) return null;
    const st = strides(a.dims);
    const dims = perm.map((p) => a.dims[p] as number);
    return gather(a, dims, (idx) => idx.reduce((s, v, d) => s + v * (st[perm[d] as number] as number), 0));
  },
  Slice: (_n, [data, starts, ends, axes, steps]) => {
    if (!data || !starts || !ends || starts.data.length !== ends.data.length) return null;
    const rank = data.dims.length;
    const ax = axes ? axes.data.map((a) => (a < 0 ? a + rank : a)) : starts.data.map((_, i) => i);
    const st = steps ? steps.data : starts.data.map(() => 1);
    if (ax.length !== starts.data.length || st.length !== ax.length || st.some((s) => s === 0)) return null;
    const first = data.dims.map(() => 0);
    const step = data.dims.map(() => 1);
    const dims = [...data.dims];
    for (let i = 0; i < ax.length; i++) {
      const d = ax[i] as number;
      const size = data.dims[d];
      if (size === undefined) return null;
      const s = st[i] as number;
      const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + size : v, lo), hi);
      const b = s > 0 ? clampTo(starts.data[i] as number, 0, size) : clampTo(starts.data[i] as number, 0, size - 1);
      const e = s > 0 ? clampTo(ends.data[i] as number, 0, size) : clampTo(ends.data[i] as number, -1, size - 1);
      first[d] = b;
      step[d] = s;
      dims[d] = Math.max(0, Math.ceil((e - b) / s));
    }
    const sd = strides(data.dims);
    return gather(data, dims, (idx) => idx.reduce((acc, v, d) => acc + ((first[d] as number) + v * (step[d] as number)) * (sd[d] as number), 0));
  },
  Cast: (node, [a]) => {
    if (!a) return null;
    const to = intAttr(node, 'to', 0);
    const ints = to === DT.INT64 || to === DT.INT32 || to === DT.INT8 || to === DT.UINT8;
    if (!ints && to !== DT.FLOAT && to !== DT.DOUBLE) return null;
    return { dataType: to, dims: a.dims, data: a.data.map((v) => (ints ? Math.trunc(v) : to === DT.FLOAT ? Math.fround(v) : v)) };
  },
};

/** foldConstants folds what it can of `model` (initializers count as constants when small). */
export function foldConstants(model: OnnxModel): FoldResult {
  const consts = new Map<string, Const>();
  const compute: OnnxNode[] = [];
  const constOf = (name: string): Const | undefined => {
    const c = consts.get(name);
    if (c) return c;
    const t = model.initializers.get(name);
    if (!t || t.external || count(t.dims) > MAX_FOLD) return undefined;
    const v = tensorValues(t);
    if (!v) return undefined;
    const k: Const = { dataType: t.dataType, dims: t.dims, data: v };
    consts.set(name, k);
    return k;
  };
  for (const node of model.nodes) {
    const folder = node.domain === '' || node.domain === 'ai.onnx' ? FOLDERS[node.opType] : undefined;
    const ins = node.inputs.map((n) => (n === '' ? null : constOf(n)));
    const all = ins.every((c) => c !== undefined) && node.outputs.length === 1;
    const out = folder && all ? folder(node, ins.map((c) => c ?? undefined)) : null;
    if (out && count(out.dims) <= MAX_FOLD && out.data.every((v) => Number.isFinite(v))) consts.set(node.outputs[0] as string, out);
    else compute.push(node);
  }
  return { consts, compute };
}

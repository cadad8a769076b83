/**
 * Test support: a minimal ONNX ModelProto encoder and a builder for uint8 SR graphs of the shape
 * the native kernel runs (and variations it must refuse), so tests can check the reader, the
 * recogniser and the kernel against onnxruntime on networks other than the shipped ones.
 */

/** Proto is a protobuf message under construction (fields appended in order). */
export class Proto {
  private readonly out: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      this.out.push(b);
    } while (x);
  }

  /** int appends a varint field (int32/int64/enum/bool). */
  int(field: number, v: number | bigint): this {
    this.varint(BigInt(field * 8));
    this.varint(BigInt(v));
    return this;
  }

  /** f32 appends a fixed32 float field. */
  f32(field: number, v: number): this {
    this.varint(BigInt(field * 8 + 5));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.out.push(...b);
    return this;
  }

  /** bytes appends a length-delimited field. */
  bytes(field: number, b: Uint8Array): this {
    this.varint(BigInt(field * 8 + 2));
    this.varint(BigInt(b.length));
    for (const x of b) this.out.push(x);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Proto): this {
    return this.bytes(field, m.encode());
  }

  encode(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** floatTensor encodes a float32 TensorProto (raw_data, or float_data when `typed`). */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>, typed = false): Proto {
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  t.int(2, 1).str(8, name);
  if (typed) {
    const b = new Uint8Array(values.length * 4);
    for (let i = 0; i < values.length; i++) new DataView(b.buffer).setFloat32(i * 4, values[i] as number, true);
    return t.bytes(4, b);
  }
  const raw = new Uint8Array(values.length * 4);
  for (let i = 0; i < values.length; i++) new DataView(raw.buffer).setFloat32(i * 4, values[i] as number, true);
  return t.bytes(9, raw);
}

/** int64Tensor encodes an int64 TensorProto (raw_data). */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Proto {
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  const raw = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(i * 8, BigInt(v), true));
  return t.int(2, 7).str(8, name).bytes(9, raw);
}

/** Attr values: number -> int (or float when `float`), number[] -> ints, string -> s, Proto -> tensor. */
export type AttrValue = number | readonly number[] | string | Proto | { readonly float: number };

function attr(name: string, v: AttrValue): Proto {
  const a = new Proto().str(1, name);
  if (typeof v === 'number') return a.int(3, v).int(20, 2);
  if (typeof v === 'string') return a.str(4, v).int(20, 3);
  if (v instanceof Proto) return a.msg(5, v).int(20, 4);
  if ('float' in v) return a.f32(2, v.float).int(20, 1);
  for (const x of v) a.int(8, x);
  return a.int(20, 7);
}

/** node encodes a NodeProto. */
export function node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): Proto {
  const n = new Proto();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, `${op}_${outputs[0] ?? ''}`).str(4, op);
  for (const [k, v] of Object.entries(attrs)) n.msg(5, attr(k, v));
  return n;
}

/** valueInfo encodes a tensor ValueInfoProto with element type and dims (strings are symbolic). */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Proto {
  const shape = new Proto();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Proto().int(1, d) : new Proto().str(2, d));
  return new Proto().str(1, name).msg(2, new Proto().msg(1, new Proto().int(1, elemType).msg(2, shape)));
}

/** model encodes a ModelProto (IR 7, opset 13) from nodes, initializers and the graph's inputs/outputs. */
export function model(nodes: readonly Proto[], inits: readonly Proto[], inputs: readonly Proto[], outputs: readonly Proto[], opset = 13): Uint8Array {
  const g = new Proto();
  for (const n of nodes) g.msg(1, n);
  g.str(2, 'g');
  for (const t of inits) g.msg(5, t);
  for (const i of inputs) g.msg(11, i);
  for (const o of outputs) g.msg(12, o);
  return new Proto().int(1, 7).str(2, 'uprez-test').msg(7, g).msg(8, new Proto().int(2, opset)).encode();
}

/** SrLayerDesc: one body conv of a synthetic SR graph (pad: how its input is padded). */
export interface SrLayerDesc {
  readonly cout: number;
  readonly k: number;
  readonly relu: boolean;
  readonly pad?: 'zero' | 'edge' | 'reflect';
  readonly stride?: number;
  readonly dilation?: number;
}

/** SrGraphDesc: a uint8 SR graph; the options exist to make graphs the recogniser must refuse. */
export interface SrGraphDesc {
  readonly scale: number;
  readonly layers: readonly SrLayerDesc[];
  readonly skip?: boolean;
  readonly clip?: readonly [number, number];
  readonly round?: boolean;
  readonly seed?: number;
}

/** srGraph builds the ONNX bytes of a synthetic uint8 SR model (deterministic weights from the seed). */
export function srGraph(d: SrGraphDesc): Uint8Array {
  let s = d.seed ?? 1;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const nodes: Proto[] = [];
  const inits: Proto[] = [];
  const scalar = (name: string, v: number) => {
    inits.push(floatTensor(name, [], [v]));
    return name;
  };
  nodes.push(node('Cast', ['y'], ['xf'], { to: 1 }), node('Mul', ['xf', scalar('in_scale', 1 / 255)], ['x']));
  let t = 'x';
  let cin = 1;
  d.layers.forEach((l, i) => {
    const r = ((l.k - 1) / 2) * (l.dilation ?? 1);
    let input = t;
    const attrs: Record<string, AttrValue> = { kernel_shape: [l.k, l.k], strides: [l.stride ?? 1, l.stride ?? 1], dilations: [l.dilation ?? 1, l.dilation ?? 1], group: 1 };
    if (l.pad === 'edge' || l.pad === 'reflect') {
      inits.push(int64Tensor(`pads${i}`, [8], [0, 0, r, r, 0, 0, r, r]));
      nodes.push(node('Pad', [t, `pads${i}`], [`p${i}`], { mode: l.pad }));
      input = `p${i}`;
      attrs['pads'] = [0, 0, 0, 0];
    } else attrs['pads'] = [r, r, r, r];
    const fan = cin * l.k * l.k;
    inits.push(floatTensor(`w${i}`, [l.cout, cin, l.k, l.k], Array.from({ length: l.cout * fan }, () => (rnd() * 2.5) / Math.sqrt(fan))));
    inits.push(floatTensor(`b${i}`, [l.cout], Array.from({ length: l.cout }, () => rnd() * 0.1)));
    nodes.push(node('Conv', [input, `w${i}`, `b${i}`], [`c${i}`], attrs));
    t = `c${i}`;
    if (l.relu) {
      nodes.push(node('Relu', [t], [`r${i}`]));
      t = `r${i}`;
    }
    cin = l.cout;
  });
  const p = d.scale * d.scale;
  if (d.skip !== false) {
    inits.push(int64Tensor('skip_pads', [8], [0, 0, 2, 2, 0, 0, 2, 2]));
    // A box-ish low-pass per phase: not bicubic, but a fixed 5x5 skip is all the kernel assumes.
    inits.push(floatTensor('skip_w', [p, 1, 5, 5], Array.from({ length: p * 25 }, (_, i) => (i % 25 === 12 ? 0.6 : 0.4 / 24) + rnd() * 0.01)));
    nodes.push(node('Pad', ['x', 'skip_pads'], ['xp'], { mode: 'edge' }), node('Conv', ['xp', 'skip_w'], ['skip'], { kernel_shape: [5, 5], pads: [0, 0, 0, 0] }));
    nodes.push(node('Add', [t, 'skip'], ['sum']));
    t = 'sum';
  }
  nodes.push(node('DepthToSpace', [t], ['hr'], { blocksize: d.scale, mode: 'CRD' }), node('Mul', ['hr', scalar('out_scale', 255)], ['hr255']));
  let last = 'hr255';
  if (d.round !== false) {
    nodes.push(node('Round', [last], ['rounded']));
    last = 'rounded';
  }
  const [lo, hi] = d.clip ?? [0, 255];
  nodes.push(node('Clip', [last, scalar('lo', lo), scalar('hi', hi)], ['clipped']), node('Cast', ['clipped'], ['y_sr'], { to: 2 }));
  return model(nodes, inits, [valueInfo('y', 2, [1, 1, 'H', 'W'])], [valueInfo('y_sr', 2, [1, 1, 'sH', 'sW'])]);
}

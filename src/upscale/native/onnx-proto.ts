/**
 * A small reader for the ONNX ModelProto protobuf: opsets, nodes (with their attributes) and
 * initializers (dense tensors), which is all the native-kernel recogniser needs. No dependency:
 * it decodes the wire format directly, and every length, tag and count is checked against the
 * buffer, so a truncated or hostile file fails with ONNX_PARSE_FAILED rather than reading junk.
 * Field numbers are those of onnx/onnx.proto3 (stable since IR version 3).
 */
import { UprezError } from '../../errors.js';

/** OnnxTensor is a dense tensor (initializer or a Constant's value); raw little-endian bytes. */
export interface OnnxTensor {
  readonly name: string;
  /** ONNX TensorProto.DataType (1 float, 2 uint8, 6 int32, 7 int64, ...). */
  readonly dataType: number;
  readonly dims: readonly number[];
  /** The values as little-endian bytes, whichever field the file used (raw_data or typed data). */
  readonly bytes: Uint8Array;
  /** Whether the file keeps the data outside itself (external data: not supported here). */
  readonly external: boolean;
}

/** OnnxAttribute is one node attribute; only the fields present are set. */
export interface OnnxAttribute {
  readonly name: string;
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly t?: OnnxTensor;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
  /** A subgraph (If/Loop bodies): present means the node has one, which nothing here runs. */
  readonly hasGraph?: boolean;
}

/** OnnxNode is one graph node. */
export interface OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

/** OnnxValueInfo is a graph input or output: name, element type and shape (symbolic dims as strings). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly (number | string)[];
}

/** OnnxModel is the part of a ModelProto the recogniser reads. */
export interface OnnxModel {
  readonly irVersion: number;
  /** domain ('' = ai.onnx) -> opset version. */
  readonly opsets: ReadonlyMap<string, number>;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** ONNX element types used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

const BYTES_PER: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 11: 8 };

/** Caps that keep a hostile file from making us allocate or loop without bound. */
const MAX_NODES = 10_000;
const MAX_DIMS = 8;
const MAX_ELEMENTS = 1 << 26;

function fail(why: string): never {
  throw new UprezError('ONNX_PARSE_FAILED', `not a readable ONNX model: ${why}`);
}

/** Reader walks one protobuf message (a slice of the buffer). */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (this.pos >= this.end) fail('truncated varint');
      const b = this.buf[this.pos++] as number;
      // Values beyond 2^53 lose precision; nothing read here (sizes, types, dims) gets near that.
      result += (b & 0x7f) * mul;
      if (b < 0x80) return k === 9 && b > 1 ? fail('varint too long') : result;
      mul *= 128;
    }
    return fail('varint too long');
  }

  /** int64 varint as a signed number (negative int64 take 10 bytes, two's complement). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  /** tag reads a field key: [field number, wire type]. */
  tag(): [number, number] {
    const key = this.varint();
    return [Math.floor(key / 8), key % 8];
  }

  /** sub returns a reader over a length-delimited field. */
  sub(): Reader {
    const len = this.varint();
    if (len > this.end - this.pos) fail('length past the end of its message');
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  bytes(): Uint8Array {
    const r = this.sub();
    return this.buf.subarray(r.pos, r.end);
  }

  string(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes());
  }

  float32(): number {
    if (this.end - this.pos < 4) fail('truncated float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.sub();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        fail(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) fail('truncated field');
  }

  /** ints reads a repeated int64 field, packed (wire 2) or not (wire 0). */
  ints(wire: number, into: number[]): void {
    if (wire === 0) {
      into.push(this.int64());
      return;
    }
    if (wire !== 2) fail('bad wire type for a repeated integer');
    const r = this.sub();
    while (!r.done) {
      into.push(r.int64());
      if (into.length > MAX_ELEMENTS) fail('too many values');
    }
  }
}

function tensor(r: Reader): OnnxTensor {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | null = null;
  let external = false;
  const floats: number[] = [];
  const ints: number[] = [];
  const int64s: number[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) r.ints(wire, dims);
    else if (field === 2 && wire === 0) dataType = r.varint();
    else if (field === 4 && wire === 2) {
      const s = r.sub();
      while (!s.done) floats.push(s.float32());
    } else if (field === 4 && wire === 5) floats.push(r.float32());
    else if (field === 5) r.ints(wire, ints);
    else if (field === 7) r.ints(wire, int64s);
    else if (field === 8 && wire === 2) name = r.string();
    else if (field === 9 && wire === 2) raw = r.bytes();
    else if (field === 13 && wire === 2) {
      external = true;
      r.skip(wire);
    } else if (field === 14 && wire === 0) external = r.varint() === 1 || external;
    else r.skip(wire);
    if (dims.length > MAX_DIMS) fail(`tensor ${name} has more than ${MAX_DIMS} dimensions`);
  }
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`tensor ${name} has a negative dimension`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) fail(`tensor ${name} is too large`);
  const per = BYTES_PER[dataType];
  let bytes = new Uint8Array(0);
  if (!external && per !== undefined) {
    if (raw) {
      if (raw.length !== count * per) fail(`tensor ${name} holds ${raw.length} bytes for ${count} values of ${per} bytes`);
      bytes = raw.slice();
    } else {
      bytes = new Uint8Array(count * per);
      const dv = new DataView(bytes.buffer);
      const src = dataType === DT.FLOAT ? floats : dataType === DT.INT64 ? int64s : ints;
      if (src.length !== count) fail(`tensor ${name} holds ${src.length} values for its ${count}`);
      src.forEach((v, k) => {
        if (dataType === DT.FLOAT) dv.setFloat32(k * 4, v, true);
        else if (dataType === DT.INT64) dv.setBigInt64(k * 8, BigInt(v), true);
        else if (dataType === DT.INT32) dv.setInt32(k * 4, v, true);
        else if (dataType === DT.DOUBLE) dv.setFloat64(k * 8, v, true);
        else bytes[k] = v & 255;
      });
    }
  }
  return { name, dataType, dims, bytes, external };
}

function attribute(r: Reader): OnnxAttribute {
  let name = '';
  const a: { f?: number; i?: number; s?: string; t?: OnnxTensor; hasGraph?: boolean } = {};
  const floats: number[] = [];
  const ints: number[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) name = r.string();
    else if (field === 2 && wire === 5) a.f = r.float32();
    else if (field === 3 && wire === 0) a.i = r.int64();
    else if (field === 4 && wire === 2) a.s = r.string();
    else if (field === 5 && wire === 2) a.t = tensor(r.sub());
    else if ((field === 6 || field === 11) && wire === 2) {
      a.hasGraph = true;
      r.skip(wire);
    } else if (field === 7 && wire === 2) {
      const s = r.sub();
      while (!s.done) floats.push(s.float32());
    } else if (field === 7 && wire === 5) floats.push(r.float32());
    else if (field === 8) r.ints(wire, ints);
    else r.skip(wire);
  }
  return { name, ...a, ...(floats.length ? { floats } : {}), ...(ints.length ? { ints } : {}) };
}

function node(r: Reader): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes = new Map<string, OnnxAttribute>();
  let opType = '';
  let domain = '';
  let name = '';
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) inputs.push(r.string());
    else if (field === 2 && wire === 2) outputs.push(r.string());
    else if (field === 3 && wire === 2) name = r.string();
    else if (field === 4 && wire === 2) opType = r.string();
    else if (field === 5 && wire === 2) {
      const a = attribute(r.sub());
      attributes.set(a.name, a);
    } else if (field === 7 && wire === 2) domain = r.string();
    else r.skip(wire);
  }
  return { opType, domain, name, inputs, outputs, attributes };
}

function valueInfo(r: Reader): OnnxValueInfo {
  let name = '';
  let elemType = 0;
  const shape: (number | string)[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) name = r.string();
    else if (field === 2 && wire === 2) {
      const type = r.sub();
      while (!type.done) {
        const [tf, tw] = type.tag();
        if (tf !== 1 || tw !== 2) {
          type.skip(tw);
          continue;
        }
        const t = type.sub(); // TypeProto.Tensor
        while (!t.done) {
          const [f, w] = t.tag();
          if (f === 1 && w === 0) elemType = t.varint();
          else if (f === 2 && w === 2) {
            const sh = t.sub();
            while (!sh.done) {
              const [df, dw] = sh.tag();
              if (df !== 1 || dw !== 2) {
                sh.skip(dw);
                continue;
              }
              const d = sh.sub();
              let dim: number | string = '?';
              while (!d.done) {
                const [ff, ww] = d.tag();
                if (ff === 1 && ww === 0) dim = d.int64();
                else if (ff === 2 && ww === 2) dim = d.string();
                else d.skip(ww);
              }
              shape.push(dim);
            }
          } else t.skip(w);
        }
      }
    } else r.skip(wire);
  }
  return { name, elemType, shape };
}

/** parseOnnxModel decodes the ModelProto in `buf`; throws ONNX_PARSE_FAILED (an UprezError) when it cannot. */
export function parseOnnxModel(buf: Uint8Array): OnnxModel {
  const r = new Reader(buf, 0, buf.length);
  let irVersion = 0;
  const opsets = new Map<string, number>();
  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, OnnxTensor>();
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  let sawGraph = false;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 0) irVersion = r.varint();
    else if (field === 8 && wire === 2) {
      const o = r.sub();
      let domain = '';
      let version = 0;
      while (!o.done) {
        const [f, w] = o.tag();
        if (f === 1 && w === 2) domain = o.string();
        else if (f === 2 && w === 0) version = o.varint();
        else o.skip(w);
      }
      opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    } else if (field === 7 && wire === 2) {
      if (sawGraph) fail('two graphs');
      sawGraph = true;
      const g = r.sub();
      while (!g.done) {
        const [f, w] = g.tag();
        if (f === 1 && w === 2) {
          nodes.push(node(g.sub()));
          if (nodes.length > MAX_NODES) fail(`more than ${MAX_NODES} nodes`);
        } else if (f === 5 && w === 2) {
          const t = tensor(g.sub());
          initializers.set(t.name, t);
        } else if (f === 11 && w === 2) inputs.push(valueInfo(g.sub()));
        else if (f === 12 && w === 2) outputs.push(valueInfo(g.sub()));
        else g.skip(w);
      }
    } else r.skip(wire);
  }
  if (!sawGraph) fail('no graph');
  // Graph inputs may list initializers too (IR < 4); the model's real inputs are the others.
  return { irVersion, opsets, nodes, initializers, inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

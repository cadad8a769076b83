import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { UprezError } from '../../errors.js';
import { DT, parseOnnxModel } from './onnx-proto.js';
import { tensorValues } from './onnx-fold.js';
import { Proto, floatTensor, int64Tensor, model, node, valueInfo } from './onnx-test-kit.js';

const MODELS = path.resolve(import.meta.dirname, '../../../models');

function parseError(bytes: Uint8Array): UprezError {
  try {
    parseOnnxModel(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(UprezError);
    return err as UprezError;
  }
  throw new Error('expected a parse failure');
}

describe('parseOnnxModel', () => {
  const bytes = model(
    [node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], auto_pad: 'NOTSET', alpha: { float: 0.25 } })],
    [floatTensor('w', [2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => i / 4)), floatTensor('typed', [3], [1.5, -2, 3], true), int64Tensor('big', [2], [-9, 2 ** 40])],
    [valueInfo('x', DT.FLOAT, [1, 1, 'H', 'W']), valueInfo('w', DT.FLOAT, [2, 1, 3, 3])],
    [valueInfo('y', DT.FLOAT, [1, 2, 'H', 'W'])],
  );

  test('reads opsets, nodes with attributes, initializers and the real inputs', () => {
    const m = parseOnnxModel(bytes);
    expect(m.irVersion).toBe(7);
    expect([...m.opsets]).toEqual([['', 13]]);
    expect(m.nodes).toHaveLength(1);
    const n = m.nodes[0];
    expect(n?.opType).toBe('Conv');
    expect(n?.inputs).toEqual(['x', 'w']);
    expect(n?.attributes.get('kernel_shape')?.ints).toEqual([3, 3]);
    expect(n?.attributes.get('auto_pad')?.s).toBe('NOTSET');
    expect(n?.attributes.get('alpha')?.f).toBe(0.25);
    // 'w' is listed as a graph input too (IR < 4 style): it is an initializer, not a model input.
    expect(m.inputs.map((i) => i.name)).toEqual(['x']);
    expect(m.inputs[0]?.shape).toEqual([1, 1, 'H', 'W']);
    expect(m.outputs[0]?.elemType).toBe(DT.FLOAT);
  });

  test('decodes raw, typed and int64 tensor data alike', () => {
    const m = parseOnnxModel(bytes);
    const w = m.initializers.get('w');
    expect(w?.dims).toEqual([2, 1, 3, 3]);
    expect(tensorValues(w!)?.slice(0, 3)).toEqual([0, 0.25, 0.5]);
    expect(tensorValues(m.initializers.get('typed')!)).toEqual([1.5, -2, 3]);
    expect(tensorValues(m.initializers.get('big')!)).toEqual([-9, 2 ** 40]);
  });

  test.each([
    ['truncated in the middle', (b: Uint8Array) => b.subarray(0, b.length - 7)],
    ['a length past the end', () => new Proto().int(1, 7).encode().subarray(0, 1)],
    ['a varint that never ends', () => Uint8Array.from([0x08, ...new Array(11).fill(0xff)])],
    ['wire type 4 (groups)', () => Uint8Array.from([0x0c])],
    ['no graph', () => new Proto().int(1, 7).encode()],
  ])('refuses %s with ONNX_PARSE_FAILED', (_label, make) => {
    expect(parseError(make(bytes)).code).toBe('ONNX_PARSE_FAILED');
  });

  test('a tensor whose raw data does not match its shape is refused', () => {
    const bad = model([], [new Proto().int(1, 4).int(2, 1).str(8, 'w').bytes(9, new Uint8Array(12))], [], []);
    expect(parseError(bad).message).toMatch(/holds 12 bytes for 4 values/);
  });

  test('reads the shipped uprez-x2-fast.onnx: uint8 Y in and out, its conv weights', () => {
    const m = parseOnnxModel(readFileSync(path.join(MODELS, 'uprez-x2-fast.onnx')));
    expect(m.inputs).toEqual([{ name: 'y', elemType: DT.UINT8, shape: [1, 1, 'H', 'W'] }]);
    expect(m.outputs[0]?.elemType).toBe(DT.UINT8);
    expect(m.initializers.get('net.body.2.weight')?.dims).toEqual([16, 16, 3, 3]);
    expect(m.nodes.filter((n) => n.opType === 'Conv')).toHaveLength(5);
  });
});

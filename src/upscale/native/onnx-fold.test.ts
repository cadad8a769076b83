import { describe, expect, test } from 'vitest';
import { foldConstants } from './onnx-fold.js';
import { DT, parseOnnxModel } from './onnx-proto.js';
import { floatTensor, int64Tensor, model, node, valueInfo } from './onnx-test-kit.js';

const i64 = (name: string, values: number[]) => node('Constant', [], [name], { value: int64Tensor('', [values.length], values) });

describe('foldConstants', () => {
  test("folds torch's pad plumbing (ConstantOfShape, Concat, Reshape, Slice with step -1, Transpose, Cast) to ONNX pads", () => {
    const m = parseOnnxModel(
      model(
        [
          i64('n', [4]),
          i64('p', [2, 2, 2, 2]),
          node('ConstantOfShape', ['n'], ['z'], { value: int64Tensor('', [1], [0]) }),
          node('Concat', ['p', 'z'], ['cat'], { axis: 0 }),
          i64('shape', [-1, 2]),
          node('Reshape', ['cat', 'shape'], ['pairs']),
          i64('st', [-1]),
          i64('en', [-(2 ** 53)]),
          i64('ax', [0]),
          i64('sp', [-1]),
          node('Slice', ['pairs', 'st', 'en', 'ax', 'sp'], ['rev']),
          node('Transpose', ['rev'], ['tr'], { perm: [1, 0] }),
          i64('flat', [-1]),
          node('Reshape', ['tr', 'flat'], ['pads64']),
          node('Cast', ['pads64'], ['pads'], { to: DT.INT64 }),
          node('Pad', ['x', 'pads'], ['y'], { mode: 'edge' }),
        ],
        [],
        [valueInfo('x', DT.FLOAT, [1, 1, 'H', 'W'])],
        [valueInfo('y', DT.FLOAT, [1, 1, 'H', 'W'])],
      ),
    );
    const { consts, compute } = foldConstants(m);
    expect(compute.map((n) => n.opType)).toEqual(['Pad']);
    expect(consts.get('pads')?.data).toEqual([0, 0, 2, 2, 0, 0, 2, 2]);
    expect(consts.get('pairs')?.dims).toEqual([4, 2]);
  });

  test('Slice with positive steps and omitted axes, Reshape copying a dim with 0', () => {
    const m = parseOnnxModel(
      model(
        [i64('a', [0, 1, 2, 3, 4, 5, 6, 7]), i64('s', [1]), i64('e', [7]), node('Slice', ['a', 's', 'e'], ['b']), i64('sh', [0]), node('Reshape', ['b', 'sh'], ['c'])],
        [],
        [],
        [],
      ),
    );
    expect(foldConstants(m).consts.get('c')?.data).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('leaves nodes that read a runtime tensor, and large initializers, to run', () => {
    const big = floatTensor('big', [5000], new Array<number>(5000).fill(1));
    const m = parseOnnxModel(model([node('Mul', ['big', 'big'], ['sq']), node('Relu', ['x'], ['y'])], [big], [valueInfo('x', DT.FLOAT, [1])], [valueInfo('y', DT.FLOAT, [1])]));
    const { consts, compute } = foldConstants(m);
    expect(compute.map((n) => n.opType)).toEqual(['Mul', 'Relu']);
    expect(consts.has('sq')).toBe(false);
  });
});

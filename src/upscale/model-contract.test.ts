import { describe, expect, test } from 'vitest';
import type { TensorMeta } from './inference-protocol.js';
import { contractProblem, detectLayout, lumaContractProblem, outputScaleProblem, rgbContractProblem } from './model-contract.js';

const t = (type: string, shape: (number | string)[], name = 'x'): TensorMeta => ({ name, isTensor: true, type, shape });
const Y = t('uint8', [1, 1, 'h', 'w']);
const OUT = t('uint8', [1, 1, 'H', 'W']);

describe('lumaContractProblem', () => {
  test.each([
    ['uint8 [1,1,h,w] -> uint8 [1,1,H,W]', [Y], [OUT]],
    ['symbolic batch and channel dims', [t('uint8', ['n', 'c', 'h', 'w'])], [t('uint8', ['n', 1, 'H', 'W'])]],
    ['fixed output size', [Y], [t('uint8', [1, 1, 720, 1280])]],
  ])('accepts %s', (_, inputs, outputs) => {
    expect(lumaContractProblem(inputs, outputs)).toBeNull();
  });

  test.each([
    ['float input', [t('float32', [1, 1, 'h', 'w'])], [OUT], 'input'],
    ['3-channel input', [t('uint8', [1, 3, 'h', 'w'])], [OUT], '[1,3,h,w]'],
    ['rank-3 input', [t('uint8', [1, 'h', 'w'])], [OUT], 'input'],
    ['batch of 2', [t('uint8', [2, 1, 'h', 'w'])], [OUT], 'input'],
    ['fixed input size', [t('uint8', [1, 1, 360, 640])], [OUT], 'dynamic H and W'],
    ['two inputs', [Y, Y], [OUT], '2 inputs'],
    ['no output', [Y], [], '0 outputs'],
    ['float output', [Y], [t('float32', [1, 1, 'H', 'W'])], 'output'],
    ['non-tensor output', [Y], [{ name: 'seq', isTensor: false }], 'not a tensor'],
  ])('rejects %s', (_, inputs, outputs, says) => {
    expect(lumaContractProblem(inputs, outputs)).toContain(says);
  });
});

const RGB = t('float32', [1, 3, 'h', 'w']);
const RGB_OUT = t('float32', [1, 3, 'H', 'W']);

describe('rgbContractProblem', () => {
  test.each([
    ['float32 [1,3,h,w] -> float32 [1,3,H,W]', [RGB], [RGB_OUT]],
    ['symbolic batch and channel dims', [t('float32', ['n', 'c', 'h', 'w'])], [t('float32', ['n', 'c', 'H', 'W'])]],
  ])('accepts %s', (_, inputs, outputs) => {
    expect(rgbContractProblem(inputs, outputs)).toBeNull();
    expect(contractProblem('rgb_float', inputs, outputs)).toBeNull();
  });

  test.each([
    ['uint8 input', [t('uint8', [1, 3, 'h', 'w'])], [RGB_OUT], 'float32 [1,3,H,W]'],
    ['1-channel input', [t('float32', [1, 1, 'h', 'w'])], [RGB_OUT], 'input'],
    ['fixed input size', [t('float32', [1, 3, 64, 64])], [RGB_OUT], 'dynamic H and W'],
    ['two inputs', [RGB, RGB], [RGB_OUT], '2 inputs'],
    ['uint8 Y output', [RGB], [OUT], 'output'],
    ['float16 output', [RGB], [t('float16', [1, 3, 'H', 'W'])], 'output'],
  ])('rejects %s', (_, inputs, outputs, says) => {
    expect(rgbContractProblem(inputs, outputs)).toContain(says);
    expect(contractProblem('rgb_float', inputs, outputs)).toContain(says);
  });

  test('contractProblem holds y_uint8 models to the luma contract', () => {
    expect(contractProblem('y_uint8', [Y], [OUT])).toBeNull();
    expect(contractProblem('y_uint8', [RGB], [RGB_OUT])).toContain('not uint8 [1,1,H,W]');
  });
});

describe('detectLayout', () => {
  test.each([
    ['float32 [1,3,h,w]', [RGB], 'rgb_float'],
    ['uint8 [1,1,h,w]', [Y], 'y_uint8'],
    ['uint8 [1,3,h,w] (fits neither; the luma check says why)', [t('uint8', [1, 3, 'h', 'w'])], 'y_uint8'],
    ['float32 [1,1,h,w]', [t('float32', [1, 1, 'h', 'w'])], 'y_uint8'],
    ['two inputs', [RGB, RGB], 'y_uint8'],
  ])('%s -> %s', (_, inputs, want) => {
    expect(detectLayout(inputs)).toBe(want);
  });
});

describe('outputScaleProblem', () => {
  test.each([
    [32, 24, 64, 48, 2, null],
    [32, 24, 128, 96, 4, null],
    [32, 24, 96, 72, 2, 'x3'],
    [32, 24, 64, 72, 2, 'x2 by x3'],
    [32, 24, 64, 48, 4, 'declared x4'],
  ])('%ix%i -> %ix%i at x%i: %s', (iw, ih, ow, oh, s, says) => {
    const p = outputScaleProblem(iw, ih, ow, oh, s);
    if (says === null) expect(p).toBeNull();
    else expect(p).toContain(says);
  });
});

import { describe, expect, test } from 'vitest';
import type { TensorMeta } from './inference-protocol.js';
import { lumaContractProblem, outputScaleProblem } from './model-contract.js';

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

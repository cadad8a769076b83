import { describe, expect, test } from 'vitest';
import { parseJobSpec } from './job-spec.js';

describe('POST /api/jobs body', () => {
  test('file job with defaults, and with every field', () => {
    expect(parseJobSpec({ type: 'file', input: 'a.mp4' })).toEqual({ type: 'file', input: 'a.mp4', scale: 2, mp4: false, x4: 'auto' });
    expect(parseJobSpec({ type: 'file', input: 'a.mp4', scale: 4, model: 'uprez-x2-fast', mp4: true, x4: '2x2' })).toEqual({
      type: 'file',
      input: 'a.mp4',
      scale: 4,
      model: 'uprez-x2-fast',
      mp4: true,
      x4: '2x2',
    });
  });
  test('file job with a denoise level or auto', () => {
    expect(parseJobSpec({ type: 'file', input: 'a.mp4', denoise: 'auto' })).toMatchObject({ denoise: 'auto' });
    expect(parseJobSpec({ type: 'file', input: 'a.mp4', denoise: 2 })).toMatchObject({ denoise: 2 });
  });
  test('restream job', () => {
    expect(parseJobSpec({ type: 'restream', input: 'a.mp4', key: 'cam_2', to: 'rtmp://h/live/x' })).toEqual({
      type: 'restream',
      input: 'a.mp4',
      key: 'cam_2',
      to: 'rtmp://h/live/x',
    });
  });
  test.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{ type: 'shell', input: 'a' }, /"type"/],
    [{ type: 'file' }, /"input"/],
    [{ type: 'file', input: 'a', scale: 3 }, /"scale"/],
    [{ type: 'file', input: 'a', scale: '2' }, /"scale"/],
    [{ type: 'file', input: 'a', model: '../../etc/x.onnx' }, /"model"/],
    [{ type: 'file', input: 'a', model: '/abs/model.onnx' }, /"model"/],
    [{ type: 'file', input: 'a', mp4: 'yes' }, /"mp4"/],
    [{ type: 'file', input: 'a', denoise: '2' }, /"denoise"/],
    [{ type: 'file', input: 'a', denoise: 4 }, /"denoise"/],
    [{ type: 'file', input: 'a', out: '/tmp' }, /unknown field.*"out"/],
    [{ type: 'restream', input: 'a', key: '../x' }, /"key"/],
    [{ type: 'restream', input: 'a', key: 'k', to: 'http://h/x' }, /"to" must start with rtmp/],
    [{ type: 'restream', input: 'a', key: 'k', to: 'rtmp://h/x|[f=mpegts]file:/tmp/x' }, /"to" has characters/],
    [{ type: 'restream', input: 'a'.repeat(5000), key: 'k' }, /"input"/],
  ])('refuses %j', (body, msg) => {
    expect(() => parseJobSpec(body)).toThrow(msg);
  });
});

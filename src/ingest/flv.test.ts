import { describe, expect, test } from 'vitest';
import { encodeAmf0, decodeAmf0 } from './rtmp/amf0.js';
import { flvFileHeader, flvTag, isAudioSequenceHeader, scriptTagBody, splitAggregate, videoTagInfo } from './flv.js';

describe('FLV framing', () => {
  test('file header flags and a tag with a 32-bit timestamp', () => {
    expect([...flvFileHeader(false, true)]).toEqual([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]);
    const t = flvTag(9, 0x12345678, Buffer.from([1, 2]));
    expect([...t]).toEqual([9, 0, 0, 2, 0x34, 0x56, 0x78, 0x12, 0, 0, 0, 1, 2, 0, 0, 0, 13]);
  });

  test.each<[string, number[], { keyframe: boolean; sequenceHeader: boolean; picture: boolean }]>([
    ['AVC sequence header', [0x17, 0x00], { keyframe: true, sequenceHeader: true, picture: false }],
    ['AVC keyframe', [0x17, 0x01], { keyframe: true, sequenceHeader: false, picture: true }],
    ['AVC inter frame', [0x27, 0x01], { keyframe: false, sequenceHeader: false, picture: true }],
    ['AVC end of sequence', [0x17, 0x02], { keyframe: true, sequenceHeader: false, picture: false }],
    ['enhanced RTMP HEVC sequence start', [0x90, 0x68, 0x76, 0x63, 0x31], { keyframe: true, sequenceHeader: true, picture: false }],
    ['enhanced RTMP coded frames X (inter)', [0xa3, 0x68, 0x76, 0x63, 0x31], { keyframe: false, sequenceHeader: false, picture: true }],
  ])('videoTagInfo: %s', (_n, bytes, want) => {
    expect(videoTagInfo(Buffer.from(bytes))).toEqual(want);
  });

  test('AAC sequence header', () => {
    expect(isAudioSequenceHeader(Buffer.from([0xaf, 0x00, 0x12]))).toBe(true);
    expect(isAudioSequenceHeader(Buffer.from([0xaf, 0x01, 0x12]))).toBe(false);
    expect(isAudioSequenceHeader(Buffer.from([0x2f, 0x00]))).toBe(false);
  });

  test('@setDataFrame is stripped from metadata; other data messages are dropped', () => {
    const meta = { width: 320, height: 180 };
    expect(decodeAmf0(scriptTagBody(encodeAmf0('@setDataFrame', 'onMetaData', meta)) as Buffer)).toEqual(['onMetaData', meta]);
    const plain = encodeAmf0('onMetaData', meta);
    expect(scriptTagBody(plain)).toBe(plain);
    expect(scriptTagBody(encodeAmf0('onTextData', { text: 'x' }))).toBeNull();
    expect(scriptTagBody(Buffer.from([0x42]))).toBeNull();
  });

  test('aggregate messages split into their tags with rebased timestamps; a torn tail is ignored', () => {
    const inner = Buffer.concat([
      flvTag(9, 1000, Buffer.from([0x17, 1])),
      flvTag(8, 1020, Buffer.from([0xaf, 1])),
      flvTag(9, 1040, Buffer.from([0x27])),
    ]);
    const parts = splitAggregate(inner.subarray(0, inner.length - 3), 50);
    expect(parts.map((p) => [p.type, p.timestamp, p.body.length])).toEqual([
      [9, 50, 2],
      [8, 70, 2],
    ]);
  });
});

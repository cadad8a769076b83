import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { adtsCodec, spsCodec, tsCodecs } from './ts-codecs.js';

const FIXTURE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/hls/ffmpeg-seg.mpegts'));

describe('tsCodecs', () => {
  test('reads the SPS and ADTS header of ffmpeg 5.1 MPEG-TS: High 3.1 (what ffprobe says), AAC-LC', () => {
    expect(tsCodecs(FIXTURE)).toEqual({ video: 'avc1.64001f', audio: 'mp4a.40.2' });
  });

  test('a truncated or foreign file gives nulls, not a guess', () => {
    expect(tsCodecs(FIXTURE.subarray(0, 188))).toEqual({ video: null, audio: null });
    expect(tsCodecs(Buffer.from('not a transport stream at all, just text'.repeat(10)))).toEqual({ video: null, audio: null });
  });
});

describe('elementary stream headers', () => {
  test.each([
    ['Baseline 3.0 with constraint_set1', [0, 0, 0, 1, 0x67, 0x42, 0x40, 0x1e, 0xab], 'avc1.42401e'],
    ['Main 4.0 after other NAL units', [0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 0x4d, 0x00, 0x28, 0x95], 'avc1.4d0028'],
    ['no SPS', [0, 0, 1, 0x41, 1, 2, 3, 4, 5], null],
  ])('spsCodec: %s', (_n, bytes, want) => expect(spsCodec(Buffer.from(bytes))).toBe(want));

  test.each([
    ['LC', [0xff, 0xf1, 0x50, 0x80], 'mp4a.40.2'],
    ['Main (ADTS profile 0 is object type 1)', [0xff, 0xf1, 0x10, 0x80], 'mp4a.40.1'],
    ['no sync word', [0x12, 0x34, 0x56, 0x78], null],
  ])('adtsCodec: %s', (_n, bytes, want) => expect(adtsCodec(Buffer.from(bytes))).toBe(want));
});

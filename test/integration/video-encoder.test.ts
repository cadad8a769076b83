import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { checkVideoEncoder } from '../../src/encode/encoder-check.js';
import { testBinaries } from '../helpers/ffmpeg-fixtures.js';

const { ffmpeg } = testBinaries();
const encoders = execFileSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8' });

describe('checkVideoEncoder against the real ffmpeg', () => {
  test('x264 encodes', async () => {
    await expect(checkVideoEncoder(ffmpeg, 'x264')).resolves.toBeUndefined();
  });

  // Debian's and Ubuntu's ffmpeg have h264_nvenc (it loads the driver at run time). ffmpeg sets
  // every encoder option before it loads the driver, so on a machine without NVENC the check
  // still proves each of our nvenc options and values is one this ffmpeg accepts.
  test.runIf(encoders.includes('h264_nvenc'))(
    'nvenc: every option is accepted; without NVENC the error says why and what is needed',
    async () => {
      const result = await checkVideoEncoder(ffmpeg, 'nvenc').then(
        () => null,
        (err: unknown) => err,
      );
      if (result === null) return; // a GPU with NVENC: it encoded
      expect(result).toMatchObject({ code: 'ENCODER_UNAVAILABLE', stage: 'encoder' });
      const message = (result as Error).message;
      expect(message).not.toMatch(/Error setting option|Unrecognized option|Unable to parse|not found/i);
      expect(message).toMatch(/^--encoder nvenc \(UPREZ_ENCODER\): ffmpeg cannot encode with it: [^[]/);
      expect(message).toMatch(/libcuda|nvenc|device|driver|CUDA/i);
      expect(message).toContain('--encoder x264');
    },
  );

  test('an ffmpeg that fails names the encoder and the variable', async () => {
    await expect(checkVideoEncoder('/bin/false', 'x264')).rejects.toMatchObject({
      code: 'ENCODER_UNAVAILABLE',
      message: expect.stringMatching(/^--encoder x264 \(UPREZ_ENCODER\)/),
    });
  });
});

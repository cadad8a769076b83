/**
 * PCM_FORMAT is the one audio format that travels between the decoder and the encoder over a pipe:
 * signed 16-bit little-endian, 48 kHz, 2 interleaved channels. Timestamps are implied by the
 * sample count, so both ends must agree on exactly this.
 */
export const PCM_FORMAT = {
  /** ffmpeg's raw format / codec names for it. */
  ffmpegFormat: 's16le',
  ffmpegCodec: 'pcm_s16le',
  sampleRate: 48_000,
  channels: 2,
  /** Bytes per sample frame (one sample for every channel). */
  bytesPerFrame: 4,
  /** Bytes per second of audio. */
  bytesPerSecond: 48_000 * 4,
} as const;

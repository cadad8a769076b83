/** H264Level is one row of the H.264 level table (ITU-T H.264 Table A-1), limits for Baseline/Main. */
export interface H264Level {
  /** "3.1" — the form x264's -level takes. */
  name: string;
  /** level_idc as written in the SPS and in CODECS strings (31 for 3.1). */
  idc: number;
  /** Max macroblocks per second. */
  maxMbps: number;
  /** Max frame size in macroblocks. */
  maxFs: number;
  /** Max video bitrate, kbit/s (x 1.25 for High profile). */
  maxBrKbps: number;
  /** Max CPB (VBV buffer) size, kbit (x 1.25 for High profile). */
  maxCpbKbits: number;
}

const row = (name: string, idc: number, maxMbps: number, maxFs: number, maxBrKbps: number, maxCpbKbits: number): H264Level => ({
  name,
  idc,
  maxMbps,
  maxFs,
  maxBrKbps,
  maxCpbKbits,
});

/** H264_LEVELS lists the levels in increasing order (1b omitted: nothing we encode needs it). */
export const H264_LEVELS: readonly H264Level[] = [
  row('1', 10, 1485, 99, 64, 175),
  row('1.1', 11, 3000, 396, 192, 500),
  row('1.2', 12, 6000, 396, 384, 1000),
  row('1.3', 13, 11880, 396, 768, 2000),
  row('2', 20, 11880, 396, 2000, 2000),
  row('2.1', 21, 19800, 792, 4000, 4000),
  row('2.2', 22, 20250, 1620, 4000, 4000),
  row('3', 30, 40500, 1620, 10000, 10000),
  row('3.1', 31, 108000, 3600, 14000, 14000),
  row('3.2', 32, 216000, 5120, 20000, 20000),
  row('4', 40, 245760, 8192, 20000, 25000),
  row('4.1', 41, 245760, 8192, 50000, 62500),
  row('4.2', 42, 522240, 8704, 50000, 62500),
  row('5', 50, 589824, 22080, 135000, 135000),
  row('5.1', 51, 983040, 36864, 240000, 240000),
  row('5.2', 52, 2073600, 36864, 240000, 240000),
  row('6', 60, 4177920, 139264, 240000, 240000),
  row('6.1', 61, 8355840, 139264, 480000, 480000),
  row('6.2', 62, 16711680, 139264, 800000, 800000),
];

/** High profile may use 1.25x the bitrate and buffer limits (cpbBrVclFactor 1250 vs 1000). */
const HIGH_FACTOR = 1.25;

/**
 * h264HighLevel picks the lowest H.264 level whose limits fit a High-profile stream of this size,
 * frame rate, max bitrate (bit/s) and VBV buffer (bit). We pass it to x264 explicitly so the
 * CODECS string of the ladder is known before encoding and matches what x264 writes.
 */
export function h264HighLevel(width: number, height: number, fps: number, maxrate: number, bufsize: number): H264Level {
  const mbW = Math.ceil(width / 16);
  const mbH = Math.ceil(height / 16);
  const fs = mbW * mbH;
  const mbps = fs * fps;
  for (const l of H264_LEVELS) {
    const maxDim = Math.sqrt(8 * l.maxFs);
    if (
      fs <= l.maxFs &&
      mbW <= maxDim &&
      mbH <= maxDim &&
      mbps <= l.maxMbps &&
      maxrate <= l.maxBrKbps * 1000 * HIGH_FACTOR &&
      bufsize <= l.maxCpbKbits * 1000 * HIGH_FACTOR
    ) {
      return l;
    }
  }
  throw new RangeError(`${width}x${height} at ${fps.toFixed(3)} fps and ${maxrate} bit/s exceeds every H.264 level`);
}

/** avc1Codec is the RFC 6381 CODECS entry for H.264 High profile (no constraint flags) at `level`. */
export function avc1HighCodec(level: H264Level): string {
  return `avc1.6400${level.idc.toString(16).padStart(2, '0')}`;
}

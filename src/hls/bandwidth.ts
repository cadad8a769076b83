/**
 * BANDWIDTH and AVERAGE-BANDWIDTH for the master playlist (RFC 8216 4.3.4.2): an upper bound on a
 * rung's peak segment bit rate derived from its encoder settings, and the rates measured from the
 * segments actually written.
 */

/** RungRates are the encoder settings a rung's bit rate bound depends on. */
export interface RungRates {
  /** x264/NVENC -maxrate, bit/s. */
  readonly videoMaxrate: number;
  /** VBV (-bufsize), bit. */
  readonly vbvBufsize: number;
  /** AAC bit rate, bit/s, or null without audio. */
  readonly audioBitrate: number | null;
  readonly fps: number;
}

/** Container is what segments are written in: MPEG-TS (classic) or fragmented MP4 (LL-HLS). */
export type Container = 'mpegts' | 'fmp4';

/**
 * AAC peak factor: ffmpeg's native AAC encoder (CBR-like rate control) measured at most 1.03x its
 * nominal rate over any 0.5 s window (ADTS headers included) on a sine, white and pink noise and
 * real audio at 128 kbit/s; 1.1 leaves room. Unlike the video term this is a measurement, not a
 * guarantee from the bitstream rules, which is why the writer also raises BANDWIDTH to any peak
 * it measures above the bound.
 */
const AUDIO_PEAK_FACTOR = 1.1;
const TS_PACKET = 188;
const TS_PAYLOAD = 184;

/**
 * peakBandwidthBound is a bound on the bit rate of any run of segments lasting at least
 * `windowSeconds`. Video: a VBV-conforming encoder cannot put more than maxrate x T + bufsize bits
 * into T seconds (the buffer may be full at the start), so maxrate + bufsize / T. Audio: see
 * AUDIO_PEAK_FACTOR. Container overhead, per second:
 * - mpegts: every payload byte costs 188/184; each video frame's PES (header, adaptation field
 *   with the PCR, AUD, stuffing of its last packet) at most two more packets; audio PES (ffmpeg
 *   packs up to 2930 bytes into one) the same per PES; PAT + PMT every 0.1 s and SDT every
 *   0.5 s (ffmpeg 5.1's defaults), and once more at each segment start.
 * - fmp4: per part a moof + mdat (under 200 bytes with two track fragments) and 16 bytes per
 *   sample in the trun (video frames and AAC frames).
 */
export function peakBandwidthBound(r: RungRates, windowSeconds: number, container: Container, partsPerSecond = 0): number {
  if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be > 0, got ${windowSeconds}`);
  const video = r.videoMaxrate + r.vbvBufsize / windowSeconds;
  const audio = r.audioBitrate === null ? 0 : r.audioBitrate * AUDIO_PEAK_FACTOR;
  const aacFramesPerSecond = r.audioBitrate === null ? 0 : 48_000 / 1024;
  let bits: number;
  if (container === 'mpegts') {
    const payload = ((video + audio) * TS_PACKET) / TS_PAYLOAD;
    const audioPes = r.audioBitrate === null ? 0 : audio / 8 / 2930 + 2;
    const packetsPerSecond = 2 * Math.ceil(r.fps) + 2 * audioPes + 2 * 10 + 2 + 3 / windowSeconds;
    bits = payload + packetsPerSecond * TS_PACKET * 8;
  } else {
    bits = video + audio + (partsPerSecond * 200 + (r.fps + aacFramesPerSecond) * 16) * 8;
  }
  return Math.ceil(bits);
}

/** SegmentSize is one segment's size and duration. */
export interface SegmentSize {
  readonly bytes: number;
  /** Seconds (EXTINF). */
  readonly duration: number;
}

/**
 * peakSegmentBitrate is RFC 8216's peak segment bit rate: the largest bit rate of any contiguous
 * run of segments lasting between 0.5 and 1.5 target durations (size over duration), or 0 when no
 * run qualifies.
 */
export function peakSegmentBitrate(segments: readonly SegmentSize[], targetDuration: number): number {
  let peak = 0;
  for (let i = 0; i < segments.length; i++) {
    let bytes = 0;
    let duration = 0;
    for (let j = i; j < segments.length; j++) {
      bytes += (segments[j] as SegmentSize).bytes;
      duration += (segments[j] as SegmentSize).duration;
      if (duration > 1.5 * targetDuration) break;
      if (duration >= 0.5 * targetDuration) peak = Math.max(peak, (bytes * 8) / duration);
    }
  }
  return Math.ceil(peak);
}

/** averageSegmentBitrate is the segments' total size over their total duration, bit/s (0 when empty). */
export function averageSegmentBitrate(segments: readonly SegmentSize[]): number {
  const bytes = segments.reduce((n, s) => n + s.bytes, 0);
  const duration = segments.reduce((n, s) => n + s.duration, 0);
  return duration > 0 ? Math.ceil((bytes * 8) / duration) : 0;
}

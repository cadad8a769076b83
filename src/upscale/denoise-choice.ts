/**
 * Denoise choice: which member of a model family suits a stream's compression. A family holds one
 * model per denoise level (the card's "denoiseLevel"), like waifu2x's noise levels:
 *   0 none   clean input, H.264 at CRF <= ~19, JPEG quality >= ~88
 *   1 light  H.264 CRF ~20-24
 *   2 medium H.264 CRF ~25-30
 *   3 heavy  H.264 CRF >= ~31
 * The server measures the ingest (bits per pixel = bitrate / (width * height * fps), and the frame
 * QP that ffmpeg's decoder exports with `-export_side_data venc_params`), turns it into a
 * CRF-equivalent with the calibration models/train/calibrate.py fitted on training clips, and maps
 * that to a level. The QP says how coarsely the picture was quantised, so it wins when present;
 * bits per pixel also depend on how much moves, so they are the rougher guess. Hysteresis keeps a
 * stream on its level until the measurement is past a boundary by `margin` for `dwellSamples`
 * samples in a row, so a stream near a boundary does not flap between models. All pure.
 */
import { UprezError } from '../errors.js';

/** DenoiseLevel is the compression a model was trained for: 0 none, 1 light, 2 medium, 3 heavy. */
export type DenoiseLevel = 0 | 1 | 2 | 3;

/** DENOISE_LEVELS lists the levels, lightest first. */
export const DENOISE_LEVELS: readonly DenoiseLevel[] = [0, 1, 2, 3];

/** CompressionSample is one measurement of the ingest over a window (either field may be missing). */
export interface CompressionSample {
  /** Ingest bits per pixel over the window: bitrate / (width * height * fps); see bitsPerPixel. */
  readonly bitsPerPixel?: number | undefined;
  /** Mean H.264 frame QP the decoder exported over the window (0..51). */
  readonly qp?: number | undefined;
}

/** DenoiseCalibration turns measurements into a CRF-equivalent and sets the level boundaries. */
export interface DenoiseCalibration {
  /**
   * CRF-equivalent from bits per pixel: [bpp, crf] knots, bpp descending and crf ascending, linear in
   * log2(bpp) between them and clamped to the end knots outside.
   */
  readonly bppKnots: readonly (readonly [number, number])[];
  /** CRF-equivalent from the mean frame QP: qpSlope * qp + qpIntercept. */
  readonly qpSlope: number;
  readonly qpIntercept: number;
  /** CRF-equivalents between levels 0|1, 1|2 and 2|3, ascending. */
  readonly boundaries: readonly [number, number, number];
}

/**
 * DEFAULT_DENOISE_CALIBRATION: measured by models/train/calibrate.py on 18 publisher-like clips cut
 * from the BSD200 training pictures (libx264 -preset veryfast -tune zerolatency -g 60, 320x180, 30 fps,
 * still or panning, camera noise): the median bits per pixel at each CRF (the spread is wide, about
 * 2x either way: a still camera needs far fewer bits than a pan at the same CRF), and the frame QP the
 * decoder exports, which equals the CRF for such streams. models/README.md has the table.
 */
export const DEFAULT_DENOISE_CALIBRATION: DenoiseCalibration = Object.freeze({
  bppKnots: Object.freeze(
    (
      [
        [0.9332, 14],
        [0.297, 18],
        [0.1592, 21],
        [0.0895, 23],
        [0.0524, 25],
        [0.0357, 28],
        [0.0296, 30],
        [0.0238, 33],
        [0.0201, 36],
        [0.0169, 40],
      ] as const
    ).map((k) => Object.freeze(k)),
  ),
  qpSlope: 1.0,
  qpIntercept: 0.0,
  boundaries: Object.freeze([20.5, 25.5, 30.5]) as readonly [number, number, number],
});

/** DenoiseChoiceOptions: calibration plus hysteresis. */
export interface DenoiseChoiceOptions {
  readonly calibration?: DenoiseCalibration;
  /** How far past a boundary (CRF units) a measurement must be to count for a change (default 1.5). */
  readonly margin?: number;
  /** Consecutive samples that must ask for a change before it happens (default 3). */
  readonly dwellSamples?: number;
}

/** DenoiseState is where a stream stands: its level (null before any usable sample) and a pending change. */
export interface DenoiseState {
  readonly level: DenoiseLevel | null;
  /** The level the last samples asked for, when it differs from `level`. */
  readonly candidate: DenoiseLevel | null;
  /** How many samples in a row asked to move in the candidate's direction. */
  readonly streak: number;
}

/** INITIAL_DENOISE_STATE: no measurement yet. */
export const INITIAL_DENOISE_STATE: DenoiseState = Object.freeze({ level: null, candidate: null, streak: 0 });

function invalid(what: string): UprezError {
  return new UprezError('DENOISE_INPUT_INVALID', what);
}

/** bitsPerPixel is bitrate / (width * height * fps); throws a coded error unless all are finite and > 0. */
export function bitsPerPixel(bitrate: number, width: number, height: number, fps: number): number {
  for (const [k, v] of [
    ['bitrate', bitrate],
    ['width', width],
    ['height', height],
    ['fps', fps],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw invalid(`bitsPerPixel: ${k} must be a finite number > 0, got ${String(v)}`);
  }
  return bitrate / (width * height * fps);
}

/** crfEquivalent is the sample's compression in CRF units (QP first, else bits per pixel), or null when it has neither. */
export function crfEquivalent(sample: CompressionSample, cal: DenoiseCalibration = DEFAULT_DENOISE_CALIBRATION): number | null {
  const { qp, bitsPerPixel: bpp } = sample;
  if (typeof qp === 'number' && Number.isFinite(qp) && qp >= 0 && qp <= 63) return cal.qpSlope * qp + cal.qpIntercept;
  if (typeof bpp === 'number' && Number.isFinite(bpp) && bpp > 0) return crfFromBpp(bpp, cal.bppKnots);
  return null;
}

/** crfFromBpp interpolates the knots linearly in log2(bpp), clamped to the end knots. */
function crfFromBpp(bpp: number, knots: readonly (readonly [number, number])[]): number {
  const first = knots[0];
  const last = knots[knots.length - 1];
  if (!first || !last) throw invalid('denoise choice: the calibration has no bits-per-pixel knots');
  if (bpp >= first[0]) return first[1];
  if (bpp <= last[0]) return last[1];
  for (let i = 1; i < knots.length; i++) {
    const [b1, c1] = knots[i] as readonly [number, number];
    const [b0, c0] = knots[i - 1] as readonly [number, number];
    if (bpp >= b1) return c0 + ((c1 - c0) * (Math.log2(bpp) - Math.log2(b0))) / (Math.log2(b1) - Math.log2(b0));
  }
  return last[1];
}

/** levelForCrf maps a CRF-equivalent to a level, without hysteresis. */
export function levelForCrf(
  crf: number,
  boundaries: readonly [number, number, number] = DEFAULT_DENOISE_CALIBRATION.boundaries,
): DenoiseLevel {
  if (crf < boundaries[0]) return 0;
  if (crf < boundaries[1]) return 1;
  if (crf < boundaries[2]) return 2;
  return 3;
}

/** levelForSample is the level a single sample asks for, without hysteresis (null: nothing measured). */
export function levelForSample(sample: CompressionSample, cal: DenoiseCalibration = DEFAULT_DENOISE_CALIBRATION): DenoiseLevel | null {
  const crf = crfEquivalent(sample, cal);
  return crf === null ? null : levelForCrf(crf, cal.boundaries);
}

function checkOptions(opts: DenoiseChoiceOptions): { cal: DenoiseCalibration; margin: number; dwell: number } {
  const cal = opts.calibration ?? DEFAULT_DENOISE_CALIBRATION;
  const margin = opts.margin ?? 1.5;
  const dwell = opts.dwellSamples ?? 3;
  const [b0, b1, b2] = cal.boundaries;
  if (!(b0 < b1 && b1 < b2)) throw invalid(`denoise choice: boundaries must ascend, got ${cal.boundaries.join(', ')}`);
  const k = cal.bppKnots;
  const ordered = k.length > 0 && k.every(([b, c], i) => b > 0 && (i === 0 || (b < (k[i - 1]?.[0] ?? 0) && c >= (k[i - 1]?.[1] ?? 0))));
  if (!ordered) throw invalid('denoise choice: bppKnots must be [bpp > 0, crf] pairs with bpp descending and crf ascending');
  if (!(margin >= 0) || !Number.isFinite(margin)) throw invalid(`denoise choice: margin must be a finite number >= 0, got ${margin}`);
  if (!Number.isInteger(dwell) || dwell < 1) throw invalid(`denoise choice: dwellSamples must be a whole number >= 1, got ${dwell}`);
  return { cal, margin, dwell };
}

/** targetWithMargin: the level `crf` asks for when it must clear each boundary by `margin` to leave `level`. */
function targetWithMargin(level: DenoiseLevel, crf: number, boundaries: readonly [number, number, number], margin: number): DenoiseLevel {
  const b: readonly number[] = boundaries;
  let target = level;
  while (target < 3 && crf >= (b[target] as number) + margin) target = (target + 1) as DenoiseLevel;
  if (target !== level) return target;
  while (target > 0 && crf < (b[target - 1] as number) - margin) target = (target - 1) as DenoiseLevel;
  return target;
}

/**
 * stepDenoise is the next state after one sample: the first usable sample sets the level at once;
 * after that a change needs `dwellSamples` samples in a row past a boundary by `margin` in the same
 * direction, and goes to the level the latest of them asks for. Unusable samples change nothing.
 */
export function stepDenoise(state: DenoiseState, sample: CompressionSample, opts: DenoiseChoiceOptions = {}): DenoiseState {
  const { cal, margin, dwell } = checkOptions(opts);
  const crf = crfEquivalent(sample, cal);
  if (crf === null) return state;
  if (state.level === null) return { level: levelForCrf(crf, cal.boundaries), candidate: null, streak: 0 };
  const target = targetWithMargin(state.level, crf, cal.boundaries, margin);
  if (target === state.level) return { level: state.level, candidate: null, streak: 0 };
  const sameWay = state.candidate !== null && Math.sign(state.candidate - state.level) === Math.sign(target - state.level);
  const streak = sameWay ? state.streak + 1 : 1;
  if (streak >= dwell) return { level: target, candidate: null, streak: 0 };
  return { level: state.level, candidate: target, streak };
}

/** DenoiseChooser keeps one stream's state: update() with each sample, read `level`. */
export class DenoiseChooser {
  private state: DenoiseState = INITIAL_DENOISE_STATE;
  private readonly opts: DenoiseChoiceOptions;

  /** `fallbackLevel` is what `level` says before any usable sample (default 1: live input is compressed). */
  constructor(
    opts: DenoiseChoiceOptions = {},
    readonly fallbackLevel: DenoiseLevel = 1,
  ) {
    checkOptions(opts);
    this.opts = opts;
  }

  /** update feeds one sample and returns the level to use now. */
  update(sample: CompressionSample): DenoiseLevel {
    this.state = stepDenoise(this.state, sample, this.opts);
    return this.level;
  }

  /** level is the level to use now. */
  get level(): DenoiseLevel {
    return this.state.level ?? this.fallbackLevel;
  }

  /** snapshot is the state, e.g. for /api/streams (candidate and streak show a pending change). */
  get snapshot(): DenoiseState {
    return this.state;
  }
}

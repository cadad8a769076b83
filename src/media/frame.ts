/**
 * Frame contracts shared by decode -> upscale -> encode.
 *
 * Frames are planar yuv420p in one contiguous buffer (Y, then U, then V), exactly the layout
 * ffmpeg reads and writes for `-pix_fmt yuv420p`, so a frame crosses a pipe without repacking.
 */

/** Plane geometry of a yuv420p frame of a given size (chroma is ceil(w/2) x ceil(h/2)). */
export interface FrameGeometry {
  readonly width: number;
  readonly height: number;
  readonly chromaWidth: number;
  readonly chromaHeight: number;
  /** Bytes in the Y plane. */
  readonly lumaSize: number;
  /** Bytes in each chroma plane. */
  readonly chromaSize: number;
  /** Bytes in the whole frame (Y + U + V). */
  readonly frameSize: number;
}

/** frameGeometry computes plane sizes for a yuv420p frame of width x height. */
export function frameGeometry(width: number, height: number): FrameGeometry {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid frame size ${width}x${height}`);
  }
  const chromaWidth = Math.ceil(width / 2);
  const chromaHeight = Math.ceil(height / 2);
  const lumaSize = width * height;
  const chromaSize = chromaWidth * chromaHeight;
  return { width, height, chromaWidth, chromaHeight, lumaSize, chromaSize, frameSize: lumaSize + 2 * chromaSize };
}

/** Planes of a yuv420p frame: views into one contiguous buffer. */
export interface Planes {
  readonly y: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;
}

/** planesOf returns Y/U/V views into a contiguous yuv420p buffer (no copy). */
export function planesOf(data: Uint8Array, g: FrameGeometry): Planes {
  if (data.byteLength < g.frameSize) {
    throw new RangeError(`frame buffer has ${data.byteLength} bytes, ${g.width}x${g.height} needs ${g.frameSize}`);
  }
  return {
    y: data.subarray(0, g.lumaSize),
    u: data.subarray(g.lumaSize, g.lumaSize + g.chromaSize),
    v: data.subarray(g.lumaSize + g.chromaSize, g.frameSize),
  };
}

/** A decoded source frame entering the upscale stage. */
export interface Frame {
  /** Monotonic sequence number within the stream, from 0. */
  readonly seq: number;
  /** Presentation time in seconds (seq / fps for the constant-rate decoder output). */
  readonly pts: number;
  /** Clock time (ms, the stage's clock) at which the decoder handed the frame over. */
  readonly arrivedAt: number;
  /** arrivedAt + latency budget: the frame must leave the stage by then. */
  readonly deadline: number;
  readonly geometry: FrameGeometry;
  /** Contiguous Y, U, V. */
  readonly data: Uint8Array;
}

/** Which path produced an output frame. */
export type UpscalePath = 'model' | 'bicubic';

/** Why a frame took the bicubic path (names are metric label values). */
export type FallbackReason = 'predicted_late' | 'queue_full' | 'model_error' | 'no_model' | 'late_result';

/** FALLBACK_REASONS lists every FallbackReason (API snapshots and metric series use all of them). */
export const FALLBACK_REASONS: readonly FallbackReason[] = ['predicted_late', 'queue_full', 'model_error', 'no_model', 'late_result'];

/** An upscaled frame leaving the stage, in order, one per input frame: its source's timing, the output's geometry and planes. */
export interface UpscaledFrame extends Frame {
  /** 'model' when a model made most of the Y plane (modelShare >= 0.5), else 'bicubic' with the reason. */
  readonly path: UpscalePath;
  readonly reason?: FallbackReason;
  /** Which model of the stage's tiers made the model part of the Y plane. */
  readonly model?: string;
  /** Share of the output Y plane's pixels a model made (per-tile scheduling: 0..1). */
  readonly modelShare: number;
  /** Clock time (ms) at which the frame left the stage. */
  readonly emittedAt: number;
}

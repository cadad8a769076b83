import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import type { Logger } from '../log/logger.js';
import type { SessionFactories } from '../session/session-ports.js';
import type { FileInput } from './file-input.js';
import type { UpscalePlan } from './upscale-plan.js';

/** FileProgress is reported while a file job encodes (frames count from the start of the file). */
export interface FileProgress {
  readonly framesDone: number;
  /** Estimated from the input's duration; null when the input does not say. */
  readonly totalFrames: number | null;
  /** Output frames per second over the last seconds. */
  readonly fps: number;
  readonly etaSeconds: number | null;
  readonly segmentsDone: number;
  /** Frame this run started at (0, or where a resumed job picked up). */
  readonly resumedAtFrame: number;
}

/** FileTranscodeOptions configure one `uprez file` job. */
export interface FileTranscodeOptions {
  readonly binaries: FfmpegBinaries;
  readonly input: FileInput;
  readonly outDir: string;
  /** The upscaler (owned by the caller, who closes it). */
  readonly upscale: UpscalePlan;
  readonly mp4: boolean;
  /** Segment length, seconds (a whole number of frames near it). Default 2. */
  readonly segmentSeconds?: number;
  /** Frames each upscale stage holds before the decoder waits. Default 4. */
  readonly maxInFlight?: number;
  readonly log: Logger;
  readonly onProgress?: (p: FileProgress) => void;
  /** Aborting stops the job; what is finished stays, and a rerun resumes from it. */
  readonly signal?: AbortSignal;
  /** What makes the decoder and encoder (default: real ffmpeg); tests pass fakes. */
  readonly factories?: SessionFactories;
}

/** FileTranscodeResult is what a finished job reports. */
export interface FileTranscodeResult {
  readonly master: string;
  readonly mp4: string | null;
  readonly subtitles: readonly string[];
  readonly segments: number;
  readonly totalFrames: number;
  /** Segment this run started at (0 unless resumed; equal to `segments` when there was nothing left to do). */
  readonly resumedAtSegment: number;
  readonly framesThisRun: number;
  readonly seconds: number;
  readonly source: { readonly width: number; readonly height: number; readonly fps: number };
  readonly output: { readonly width: number; readonly height: number };
  readonly rungs: readonly string[];
  readonly upscaler: string;
  readonly hasAudio: boolean;
}

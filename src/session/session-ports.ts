/**
 * The narrow interfaces a TranscodeSession needs from its stages, declared here by the consumer
 * (the real Decoder, Encoder and UpscaleStage satisfy them; tests pass small fakes), and the
 * factories that make the decoder and encoder, injected so the session's fault logic is testable.
 */
import type { DecoderOptions } from '../decode/decoder.js';
import type { VideoInfo } from '../decode/video-info.js';
import type { EncoderOptions } from '../encode/encoder.js';
import type { Rung } from '../encode/ladder.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { Frame, FrameGeometry, UpscaledFrame } from '../media/frame.js';
import type { TierConfig } from '../upscale/tier-state.js';

/** DecoderEventsPort is what a session listens to on its decoder. */
export interface DecoderEventsPort {
  info: (info: VideoInfo) => void;
  frame: (data: Uint8Array) => void;
  audio: (chunk: Buffer) => void;
  exit: (e: ProcessExit) => void;
}

/** DecoderPort is a running decoder as a session drives it. */
export interface DecoderPort {
  on<K extends keyof DecoderEventsPort>(event: K, fn: DecoderEventsPort[K]): unknown;
  start(): void;
  pause(): void;
  resume(): void;
  close(): Promise<ProcessExit>;
  /** Video pictures a publish feed wrote to this decoder (0 for files). */
  readonly picturesFed: number;
  readonly framesEmitted: number;
}

/** EncoderEventsPort is what a session listens to on its encoder. */
export interface EncoderEventsPort {
  drain: () => void;
  segment: (rung: string, file: string) => void;
  exit: (e: ProcessExit) => void;
}

/** EncoderPort is a running encoder as a session drives it. */
export interface EncoderPort {
  on<K extends keyof EncoderEventsPort>(event: K, fn: EncoderEventsPort[K]): unknown;
  start(): void;
  /** `arrivedAt`: when the frame reached uprez (ms since the epoch; it dates the segment). */
  writeFrame(data: Uint8Array, arrivedAt?: number): boolean;
  writeAudio(chunk: Buffer): boolean;
  end(opts?: { endList?: boolean }): Promise<ProcessExit>;
  close(opts?: { endList?: boolean }): Promise<ProcessExit>;
  finishPlaylists(): Promise<void>;
  readonly rungs: readonly Rung[];
  readonly hasExited: boolean;
  /** Why the encoder stopped itself (an unwritable output), or null. */
  readonly failure: string | null;
  readonly framesWritten: number;
  readonly mediaPlaylists: readonly string[];
}

/** StagePort is the upscale step (one stage, or a chain of them) as a session drives it. */
export interface StagePort {
  push(frame: Frame): void;
  onOutput(cb: (f: UpscaledFrame) => void): () => void;
  warmUp(g: FrameGeometry): Promise<void>;
  /** Resolves when the stage takes another frame within its bound (backpressure for quality mode). */
  whenReady(): Promise<void>;
  /** Resolves once every frame pushed so far has left the stage. */
  flush(): Promise<void>;
  /** Swaps a tier's model for a member of its denoise family (live stages; others need not). */
  replaceTier?(index: number, tier: TierConfig): void;
  close(): void;
}

/** SessionFactories make a session's children. */
export interface SessionFactories {
  createDecoder(o: DecoderOptions): DecoderPort;
  createEncoder(o: EncoderOptions): EncoderPort;
}

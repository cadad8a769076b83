/**
 * DecoderHolds: the reasons a session keeps its decoder paused, so that one reason ending never
 * resumes a decoder another one still holds. The decoder pauses while any reason holds it and
 * resumes when the last one lets go.
 */

/** HoldReason: the models warm up, the upscale stage is full, the encoder is behind on video or on audio. */
export type HoldReason = 'warm_up' | 'stage' | 'encoder' | 'audio';

/** DecoderHolds tracks the reasons; see the file comment. */
export class DecoderHolds {
  private readonly reasons = new Set<HoldReason>();

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  /** set holds (on) or releases (off) the decoder for `reason`. */
  set(reason: HoldReason, on: boolean): void {
    if (on) {
      const was = this.reasons.size;
      this.reasons.add(reason);
      if (was === 0) this.pause();
      return;
    }
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0) this.resume();
  }

  /** has says whether `reason` holds the decoder. */
  has(reason: HoldReason): boolean {
    return this.reasons.has(reason);
  }

  /** held says whether anything holds the decoder. */
  get held(): boolean {
    return this.reasons.size > 0;
  }
}

/**
 * StreamDenoise: the automatic choice of a stream's denoise level (--denoise auto). Once a second
 * the pipeline hands it what the publisher has sent (coded video pictures and bytes); it measures
 * bits per pixel over the last WINDOW_S seconds, turns that into a level through denoise-choice
 * (calibrated CRF-equivalent, hysteresis: a change needs DWELL_SAMPLES samples in a row past a
 * boundary by a margin) and, when the level moves, asks for the family member nearest that level
 * and hands it to the stage's first tier. Until WINDOW_S seconds are measured the stream runs the
 * configured model. A new feed (the publisher reconnected) starts the window afresh.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DenoiseChooser, crfEquivalent, type DenoiseLevel } from '../upscale/denoise-choice.js';
import { nearestLevel } from '../upscale/denoise-family.js';
import type { TierConfig } from '../upscale/upscale-stage.js';

/** Seconds of ingest a bits-per-pixel sample covers (several keyframe intervals of a typical publisher). */
export const WINDOW_S = 6;
/** Samples in a row (one a second) past a boundary before the level moves. */
export const DWELL_SAMPLES = 5;

/** A member that failed to load is tried again after this long. */
const RETRY_MS = 30_000;

/** DenoiseTierSource is the model's denoise family as the server loaded it (runners shared by every stream). */
export interface DenoiseTierSource {
  /** The levels the family has a member for, lightest first. */
  readonly levels: readonly DenoiseLevel[];
  /** The level of the configured model (what a stream runs before it is measured). */
  readonly baseLevel: DenoiseLevel;
  /**
   * tiersFor opens (once) the member for an available level and returns the stream's tiers at that
   * level: the member, then the fallback model, each with its gain at that compression; rejects when
   * the member cannot be loaded.
   */
  tiersFor(level: DenoiseLevel): Promise<readonly TierConfig[]>;
}

/** DenoiseSnapshot is the choice as /api/streams and the player show it. */
export interface DenoiseSnapshot {
  /** 'auto': chosen from the ingest; 'fixed': --denoise N picked the model at start. */
  readonly mode: 'auto' | 'fixed';
  /** The level of the model running now. */
  readonly level: DenoiseLevel;
  /** The level the measurement asks for (may be missing from the family, then the nearest runs). */
  readonly wanted: DenoiseLevel | null;
  /** The model running in the first tier now. */
  readonly model: string | null;
  /** Ingest video bits per pixel over the last window; null before WINDOW_S seconds. */
  readonly bitsPerPixel: number | null;
  /** That as an x264 CRF-equivalent (the calibration's); null before the first sample. */
  readonly crfEquivalent: number | null;
  /** Times the model changed. */
  readonly switches: number;
}

/** Received counts one feed's coded video so far. */
export interface Received {
  readonly pictures: number;
  readonly bytes: number;
}

/** StreamDenoiseOptions wire the choice to the family and the stage. */
export interface StreamDenoiseOptions {
  readonly source: DenoiseTierSource;
  readonly model: string | null;
  /** Puts the tiers for the level in the stage (the stage may not exist yet: keep them for when it does). */
  apply(tiers: readonly TierConfig[], level: DenoiseLevel): void;
  readonly log: Logger;
}

/** StreamDenoise: see the file comment. */
export class StreamDenoise {
  private readonly chooser = new DenoiseChooser({ dwellSamples: DWELL_SAMPLES });
  /** Cumulative counts at each of the last WINDOW_S + 1 samples, oldest first. */
  private history: Received[] = [];
  private level: DenoiseLevel;
  private wanted: DenoiseLevel | null = null;
  private model: string | null;
  private bpp: number | null = null;
  private crf: number | null = null;
  private switches = 0;
  private loading: DenoiseLevel | null = null;
  /** A level whose member failed to load is not tried again before this (Date.now()). */
  private readonly failedUntil = new Map<DenoiseLevel, number>();
  private closed = false;

  constructor(private readonly o: StreamDenoiseOptions) {
    this.level = o.source.baseLevel;
    this.model = o.model;
  }

  /** sample takes the feed's counts now and the input size; call once a second. Returns the wanted level when measured. */
  sample(received: Received, width: number, height: number): DenoiseLevel | null {
    const last = this.history[this.history.length - 1];
    if (last && (received.pictures < last.pictures || received.bytes < last.bytes)) this.history = []; // a new feed
    this.history.push(received);
    if (this.history.length > WINDOW_S + 1) this.history.shift();
    if (this.history.length < WINDOW_S + 1 || width <= 0 || height <= 0) return null;
    const first = this.history[0] as Received;
    const pictures = received.pictures - first.pictures;
    if (pictures <= 0) return null;
    this.bpp = ((received.bytes - first.bytes) * 8) / (pictures * width * height);
    this.crf = crfEquivalent({ bitsPerPixel: this.bpp });
    this.wanted = this.chooser.update({ bitsPerPixel: this.bpp });
    this.moveTo(nearestLevel(this.o.source.levels, this.wanted));
    return this.wanted;
  }

  private moveTo(level: DenoiseLevel): void {
    if (level === this.level || level === this.loading || this.closed || Date.now() < (this.failedUntil.get(level) ?? 0)) return;
    this.loading = level;
    this.o.source.tiersFor(level).then(
      (tiers) => {
        if (this.closed || this.loading !== level) return;
        this.loading = null;
        const from = this.model;
        this.level = level;
        this.model = tiers[0]?.runner.info.name ?? null;
        this.switches++;
        this.o.apply(tiers, level);
        this.o.log.info('denoise level changes', {
          from,
          to: this.model,
          level,
          bitsPerPixel: Number((this.bpp ?? 0).toFixed(4)),
          crfEquivalent: this.crf === null ? null : Number(this.crf.toFixed(1)),
        });
      },
      (err: unknown) => {
        if (this.loading === level) this.loading = null;
        this.failedUntil.set(level, Date.now() + RETRY_MS);
        this.o.log.warn('denoise family member could not be loaded; the stream keeps its model', { level, err: errorMessage(err) });
      },
    );
  }

  /** snapshot is the choice now. */
  snapshot(): DenoiseSnapshot {
    return {
      mode: 'auto',
      level: this.level,
      wanted: this.wanted,
      model: this.model,
      bitsPerPixel: this.bpp,
      crfEquivalent: this.crf,
      switches: this.switches,
    };
  }

  /** close stops applying answers still loading. */
  close(): void {
    this.closed = true;
  }
}

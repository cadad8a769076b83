/**
 * PipelineDenoise: one stream's denoise choice as its pipeline holds it. With a family offered
 * (--denoise auto) a StreamDenoise measures the ingest and moves the stage's first tier between
 * members (and sets every tier's gain to what it is worth at that compression); with a fixed level (--denoise N) the server already put that member in the tiers and
 * this only reports it; without a family there is nothing to choose (snapshot null).
 */
import type { FeedSource } from '../ingest/publish-feed.js';
import type { Logger } from '../log/logger.js';
import type { UprezMetrics } from '../metrics/metrics.js';
import type { DenoiseLevel } from '../upscale/denoise-choice.js';
import type { TierConfig } from '../upscale/upscale-stage.js';
import { StreamDenoise, type DenoiseSnapshot, type DenoiseTierSource } from './stream-denoise.js';

/** DenoiseSetup is what the server offers each stream: a family to choose from, or the fixed level it runs. */
export type DenoiseSetup =
  { readonly kind: 'auto'; readonly source: DenoiseTierSource } | { readonly kind: 'fixed'; readonly level: DenoiseLevel };

/** PipelineDenoise: see the file comment. */
export class PipelineDenoise {
  private current: readonly TierConfig[];
  private readonly auto: StreamDenoise | null;

  constructor(
    private readonly base: readonly TierConfig[],
    private readonly setup: DenoiseSetup | null,
    private readonly key: string,
    private readonly metrics: UprezMetrics,
    log: Logger,
    /** Puts tier i in the live stage (when the stage exists). */
    replaceTier: (index: number, tier: TierConfig) => void,
  ) {
    this.current = base;
    this.auto =
      setup?.kind === 'auto' && base[0]
        ? new StreamDenoise({
            source: setup.source,
            model: base[0].runner.info.name,
            log,
            apply: (tiers, level) => {
              this.current = tiers;
              metrics.denoiseLevel.set({ stream: key }, level);
              metrics.denoiseSwitchesTotal.inc({ stream: key });
              this.current.forEach((t, i) => replaceTier(i, t));
            },
          })
        : null;
    const level = this.auto ? this.auto.snapshot().level : setup?.kind === 'fixed' ? setup.level : null;
    if (level !== null && base[0]) metrics.denoiseLevel.set({ stream: key }, level);
  }

  /** tiers are the stream's tiers now: the member in use first, each with its gain at the stream's level. */
  get tiers(): readonly TierConfig[] {
    return this.current;
  }

  /** sample measures the feed once a second (auto only). */
  sample(feed: FeedSource, width: number, height: number): void {
    if (!this.auto) return;
    this.auto.sample(feed.videoReceived, width, height);
    const bpp = this.auto.snapshot().bitsPerPixel;
    if (bpp !== null) this.metrics.ingestBitsPerPixel.set({ stream: this.key }, bpp);
  }

  /** snapshot is the choice for /api/streams; null without a model or a family. */
  snapshot(): DenoiseSnapshot | null {
    if (this.auto) return this.auto.snapshot();
    if (this.setup?.kind !== 'fixed' || !this.base[0]) return null;
    return {
      mode: 'fixed',
      level: this.setup.level,
      wanted: this.setup.level,
      model: this.base[0].runner.info.name,
      bitsPerPixel: null,
      crfEquivalent: null,
      switches: 0,
    };
  }

  /** close stops the choice (a member still loading is not applied). */
  close(): void {
    this.auto?.close();
  }
}

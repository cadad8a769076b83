/**
 * StreamFrameAccounting: what one stream counts about its frames, for /api/streams and the
 * metrics at once: frames out of the stage by path and model, fallbacks by reason, deadline
 * misses, stage latency, frames written to the encoder (and the output rate), frames lost by reason.
 */
import { performance } from 'node:perf_hooks';
import type { FeedSource } from '../ingest/publish-feed.js';
import type { UprezMetrics } from '../metrics/metrics.js';
import type { SessionEnd } from '../session/transcode-session.js';
import type { UpscaledFrame } from '../media/frame.js';
import { RateWindow } from './rate-window.js';
import type { FrameLossReason } from './stream-snapshot.js';

/** StreamFrameAccounting counts one stream's frames; see the file comment. */
export class StreamFrameAccounting {
  private readonly outRate = new RateWindow(5_000);
  /** Frames written to an encoder. */
  out = 0;
  deadlineMisses = 0;
  readonly lost: Record<FrameLossReason, number> = { decoder_restart: 0, encoder_down: 0, drain_timeout: 0 };

  constructor(
    private readonly key: string,
    private readonly metrics: UprezMetrics,
  ) {}

  /** frame records one frame that left the stage; `written` says whether an encoder took it. */
  frame(f: UpscaledFrame, written: boolean): void {
    const m = this.metrics;
    const stream = this.key;
    const now = performance.now();
    m.framesTotal.inc({ stream, path: f.path });
    if (f.path === 'model' && f.model !== undefined) m.modelFramesTotal.inc({ stream, model: f.model });
    if (f.path === 'bicubic' && f.reason) m.fallbackFramesTotal.inc({ stream, reason: f.reason });
    m.upscaleFrameSeconds.observe({ stream, path: f.path }, (f.emittedAt - f.arrivedAt) / 1000);
    m.modelPixelShare.observe({ stream }, f.modelShare);
    if (f.emittedAt > f.deadline) {
      this.deadlineMisses++;
      m.deadlineMissesTotal.inc({ stream });
    }
    if (!written) {
      this.lose('encoder_down', 1);
      return;
    }
    m.frameLatencySeconds.observe({ stream }, (now - f.arrivedAt) / 1000);
    this.out++;
    this.outRate.mark(now);
  }

  /** lose counts frames the publisher sent that will not reach the ladder. */
  lose(reason: FrameLossReason, n: number): void {
    if (n <= 0) return;
    this.lost[reason] += n;
    this.metrics.framesLostTotal.inc({ stream: this.key, reason }, n);
  }

  /**
   * sessionEnded counts what an ended session lost: pictures its feed skipped to a keyframe since
   * `skippedAtStart`, and pictures fed but never decoded (cut off by the drain limit, with what the
   * feed still held; or lost with a decoder or encoder that failed).
   */
  sessionEnded(e: SessionEnd, feed: FeedSource, skippedAtStart: number): void {
    this.lose('decoder_restart', feed.picturesSkipped - skippedAtStart);
    const unDecoded = e.picturesFed - e.framesDecoded;
    if (e.cutShort) this.lose('drain_timeout', unDecoded + feed.picturesPending);
    else if (e.decoderExit.code !== 0 || e.encoderFailed) this.lose('decoder_restart', unDecoded);
  }

  /** totalLost sums the losses of every reason. */
  get totalLost(): number {
    return this.lost.decoder_restart + this.lost.encoder_down + this.lost.drain_timeout;
  }

  /** outputFps is the measured rate of frames written over the last seconds. */
  outputFps(): number {
    return this.outRate.rate(performance.now());
  }
}

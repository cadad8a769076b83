/**
 * PublishFeed carries one accepted publish to its decoder as an FLV byte stream, from the
 * publish's first tag: nothing the publisher sent is lost while the decoder starts, warms up or
 * falls behind. It holds what the decoder has not taken yet (bounded: above the high-water mark
 * the publisher's socket is paused, so TCP pushes back instead of memory growing), and ends the
 * decoder's input once the publish has ended and everything was handed over.
 */
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, flvFileHeader, flvTag, isAudioSequenceHeader, videoTagInfo } from './flv.js';

/** PublishFeedOptions bound the feed's buffer. */
export interface PublishFeedOptions {
  /** Above this many queued bytes the publisher is paused. Default 64 MiB. */
  readonly highWaterBytes?: number;
  /** Below this many queued bytes a paused publisher resumes. Default 16 MiB. */
  readonly lowWaterBytes?: number;
  /** Called when the publisher should stop (true) or resume (false) sending. */
  readonly onPressure?: (paused: boolean) => void;
}

/** FeedStats count what went through a feed. */
export interface FeedStats {
  /** Coded video pictures received from the publisher. */
  readonly videoPictures: number;
  /** Video pictures written to a decoder. */
  readonly videoPicturesWritten: number;
  /** Video pictures never written to any decoder (skipped to a keyframe after a decoder restart). */
  readonly videoPicturesSkipped: number;
  readonly bytesQueued: number;
  /** The most bytes queued at once. */
  readonly peakBytesQueued: number;
  /** The publisher's socket is paused by backpressure. */
  readonly pressured: boolean;
}

interface QueuedTag {
  readonly bytes: Buffer;
  readonly picture: boolean;
  readonly keyframe: boolean;
  /** performance.now() when the tag came in from the publisher. */
  readonly receivedAt: number;
}

/** Receive times kept for pictures written to the current sink and not yet asked for. */
const MAX_ARRIVALS = 8192;

/** FeedSource is what a decoder needs from a feed. */
export interface FeedSource {
  /** attach starts writing the stream to `sink` (a decoder's stdin). */
  attach(sink: Writable): void;
  /** detach stops writing to `sink` if it is the current one (its decoder is gone); the feed keeps buffering. */
  detach(sink: Writable): void;
  /** picturesWritten counts video pictures written to the current sink so far. */
  readonly picturesWrittenToSink: number;
  /** The publish has ended and every tag was handed to a decoder. */
  readonly drained: boolean;
  /** Video pictures skipped to a keyframe for a restarted decoder (never decoded). */
  readonly picturesSkipped: number;
  /** Video pictures received and not yet written to any decoder. */
  readonly picturesPending: number;
  /**
   * pictureReceivedAt is when the index-th picture written to the current sink came in from the
   * publisher (performance.now()); earlier ones are forgotten. undefined: not written yet, or gone.
   */
  pictureReceivedAt(index: number): number | undefined;
  /** Coded video received from the publisher so far: pictures and their payload bytes (what bits per pixel are measured from). */
  readonly videoReceived: { readonly pictures: number; readonly bytes: number };
}

/** PublishFeed: see the file comment. */
export class PublishFeed implements FeedSource {
  private readonly queue: QueuedTag[] = [];
  private queuedBytes = 0;
  private peakBytes = 0;
  private metadata: Buffer | null = null;
  private videoHeader: Buffer | null = null;
  private audioHeader: Buffer | null = null;
  private sink: Writable | null = null;
  private attachedOnce = false;
  /** A re-attached decoder starts at a keyframe: tags before one are skipped. */
  private awaitingKeyframe = false;
  private waitingDrain = false;
  private ended = false;
  private pressured = false;
  private pictures = 0;
  private picturesWritten = 0;
  private picturesToSink = 0;
  private picturesSkipped_ = 0;
  private videoBytes = 0;
  /** Receive times of pictures written to the current sink, from its picture number `arrivalsBase`. */
  private arrivals: number[] = [];
  private arrivalsBase = 0;
  private readonly high: number;
  private readonly low: number;

  constructor(
    private readonly hasAudioTrack: () => boolean,
    private readonly opts: PublishFeedOptions = {},
  ) {
    this.high = opts.highWaterBytes ?? 64 * 1024 * 1024;
    this.low = opts.lowWaterBytes ?? 16 * 1024 * 1024;
  }

  /** hasVideoHeader says whether the decoder configuration (sequence header) has arrived. */
  get hasVideoHeader(): boolean {
    return this.videoHeader !== null;
  }

  /** hasAudioHeader says whether an AAC sequence header has arrived. */
  get hasAudioHeader(): boolean {
    return this.audioHeader !== null;
  }

  /** hasMetadata says whether onMetaData has arrived. */
  get hasMetadata(): boolean {
    return this.metadata !== null;
  }

  /** isEnded says whether the publish has ended (no more tags will come). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** picturesPending counts video pictures received and not yet written to any decoder. */
  get picturesPending(): number {
    return this.pictures - this.picturesWritten - this.picturesSkipped_;
  }

  /** picturesSkipped counts video pictures skipped to a keyframe for a restarted decoder. */
  get picturesSkipped(): number {
    return this.picturesSkipped_;
  }

  /** drained says whether the publish has ended and every tag was handed to a decoder. */
  get drained(): boolean {
    return this.ended && this.queue.length === 0;
  }

  /** picturesWrittenToSink counts video pictures written to the current sink. */
  get picturesWrittenToSink(): number {
    return this.picturesToSink;
  }

  /** videoReceived: see FeedSource. */
  get videoReceived(): { readonly pictures: number; readonly bytes: number } {
    return { pictures: this.pictures, bytes: this.videoBytes };
  }

  /** pictureReceivedAt: see FeedSource. */
  pictureReceivedAt(index: number): number | undefined {
    const i = index - this.arrivalsBase;
    if (i < 0 || i >= this.arrivals.length) return undefined;
    const at = this.arrivals[i];
    if (i > 0) this.forgetArrivals(i);
    return at;
  }

  private forgetArrivals(n: number): void {
    this.arrivals.splice(0, n);
    this.arrivalsBase += n;
  }

  /** stats reports the feed's counters. */
  stats(): FeedStats {
    return {
      videoPictures: this.pictures,
      videoPicturesWritten: this.picturesWritten,
      videoPicturesSkipped: this.picturesSkipped_,
      bytesQueued: this.queuedBytes,
      peakBytesQueued: this.peakBytes,
      pressured: this.pressured,
    };
  }

  /** push adds one tag body from the publisher (audio 8, video 9, script 18). Ignored once ended. */
  push(type: number, timestamp: number, body: Buffer): void {
    if (this.ended) return;
    const bytes = flvTag(type, timestamp, body);
    let picture = false;
    let keyframe = false;
    if (type === FLV_VIDEO) {
      const info = videoTagInfo(body);
      if (info.sequenceHeader) this.videoHeader = bytes;
      picture = info.picture;
      keyframe = info.keyframe && info.picture;
      if (picture) {
        this.pictures++;
        this.videoBytes += body.length;
      }
    } else if (type === FLV_AUDIO) {
      if (isAudioSequenceHeader(body)) this.audioHeader = bytes;
    } else if (type === FLV_SCRIPT) {
      this.metadata = bytes;
    } else {
      return;
    }
    this.queue.push({ bytes, picture, keyframe, receivedAt: performance.now() });
    this.queuedBytes += bytes.length;
    this.peakBytes = Math.max(this.peakBytes, this.queuedBytes);
    this.pump();
    if (!this.pressured && this.queuedBytes > this.high) {
      this.pressured = true;
      this.opts.onPressure?.(true);
    }
  }

  /** end says the publish is over: the sink gets end-of-input once the queue is written. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pump();
  }

  /**
   * attach starts writing to a decoder's stdin. The first decoder gets the stream from its first
   * tag; a later one (after a decoder restart) gets the headers, then the stream from the next
   * keyframe (pictures before it are skipped and counted).
   */
  attach(sink: Writable): void {
    if (this.sink) this.detach(this.sink);
    this.sink = sink;
    this.picturesToSink = 0;
    this.arrivals = [];
    this.arrivalsBase = 0;
    sink.write(flvFileHeader(this.hasAudioTrack(), true));
    if (this.attachedOnce) {
      for (const h of [this.metadata, this.videoHeader, this.audioHeader]) if (h) sink.write(h);
      this.awaitingKeyframe = true;
    }
    this.attachedOnce = true;
    sink.on('drain', this.onDrain);
    this.pump();
  }

  /** detach stops writing to `sink` if it is the current one; the queue keeps what it had not taken. */
  detach(sink: Writable): void {
    const s = this.sink;
    if (!s || s !== sink) return;
    s.off('drain', this.onDrain);
    this.sink = null;
    this.waitingDrain = false;
  }

  private readonly onDrain = (): void => {
    this.waitingDrain = false;
    this.pump();
  };

  private pump(): void {
    const sink = this.sink;
    if (!sink || this.waitingDrain) return;
    if (sink.destroyed || sink.writableEnded) {
      this.detach(sink);
      return;
    }
    while (this.queue.length) {
      const tag = this.queue.shift() as QueuedTag;
      this.queuedBytes -= tag.bytes.length;
      if (this.awaitingKeyframe) {
        if (!tag.keyframe) {
          if (tag.picture) this.picturesSkipped_++;
          continue;
        }
        this.awaitingKeyframe = false;
      }
      if (tag.picture) {
        this.picturesWritten++;
        this.picturesToSink++;
        this.arrivals.push(tag.receivedAt);
        if (this.arrivals.length > MAX_ARRIVALS) this.forgetArrivals(this.arrivals.length - MAX_ARRIVALS);
      }
      if (!sink.write(tag.bytes)) {
        this.waitingDrain = true;
        break;
      }
    }
    if (this.pressured && this.queuedBytes < this.low) {
      this.pressured = false;
      this.opts.onPressure?.(false);
    }
    if (this.ended && this.queue.length === 0) sink.end();
  }
}

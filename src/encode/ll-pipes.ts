import type { Readable } from 'node:stream';
import { errorMessage, UprezError } from '../errors.js';
import { BoxSplitter, type Box } from '../hls/fmp4-boxes.js';
import { parseFragment } from '../hls/fmp4-fragment.js';
import { parseInit, type InitInfo } from '../hls/fmp4-init.js';
import type { HlsSession, HlsWriter } from '../hls/hls-writer.js';
import { PartCutter } from '../hls/part-cutter.js';
import type { FrameClock } from './frame-clock.js';

/** Media queued for disk before the encoder's pipes are paused (they resume once it is written). */
const BACKLOG_LIMIT = 16 * 1024 * 1024;

/** LlPipesOptions connect each rung's fMP4 pipe to the writer's session. */
export interface LlPipesOptions {
  /** One readable per rung, in the ladder's order. */
  readonly pipes: readonly Readable[];
  readonly rungs: readonly string[];
  readonly writer: HlsWriter;
  readonly session: HlsSession;
  readonly clock: FrameClock;
  readonly fpsNum: number;
  readonly fpsDen: number;
  readonly hasAudio: boolean;
  /** The fMP4 could not be read (a bug or a broken ffmpeg): the encoder stops. */
  readonly onError: (message: string) => void;
}

interface RungReader {
  readonly rung: string;
  readonly pipe: Readable;
  readonly splitter: BoxSplitter;
  ftyp: Box | null;
  init: InitInfo | null;
  cutter: PartCutter | null;
  moof: Box | null;
  /** Index of the next video frame this rung's cutter will see (for releasing clock entries). */
  ended: boolean;
}

/**
 * LlPipes reads the fragmented MP4 ffmpeg writes for each rung (one fragment per packet): the
 * init section goes to the session once, samples are cut into parts (PartCutter) and handed on
 * as they complete. When the writer's disk queue passes BACKLOG_LIMIT the pipes are paused, which
 * makes ffmpeg (and, through it, the encoder's stdin) wait: backpressure, not loss.
 */
export class LlPipes {
  private readonly readers: RungReader[];
  private readonly done: Promise<void>;
  private paused = false;
  private failed = false;

  constructor(private readonly opts: LlPipesOptions) {
    this.readers = opts.pipes.map((pipe, i) => ({
      rung: opts.rungs[i] as string,
      pipe,
      splitter: new BoxSplitter(),
      ftyp: null,
      init: null,
      cutter: null,
      moof: null,
      ended: false,
    }));
    this.done = Promise.all(
      this.readers.map(
        (r) =>
          new Promise<void>((resolve) => {
            r.pipe.on('data', (chunk: Buffer) => this.onData(r, chunk));
            r.pipe.once('end', () => {
              this.finish(r);
              resolve();
            });
            r.pipe.once('close', () => resolve());
            r.pipe.once('error', () => resolve());
          }),
      ),
    ).then(() => undefined);
  }

  /** drained resolves once every pipe has ended (ffmpeg exited) and its last part was handed on. */
  drained(): Promise<void> {
    return this.done;
  }

  private onData(r: RungReader, chunk: Buffer): void {
    if (this.failed) return;
    try {
      for (const box of r.splitter.push(chunk)) this.onBox(r, box);
    } catch (err) {
      this.fail(`rung ${r.rung}: ${errorMessage(err)}`);
      return;
    }
    if (!this.paused && this.opts.writer.backlog > BACKLOG_LIMIT) {
      this.paused = true;
      for (const x of this.readers) x.pipe.pause();
      void this.opts.writer.idle().then(() => {
        this.paused = false;
        for (const x of this.readers) if (!x.ended) x.pipe.resume();
      });
    }
  }

  private onBox(r: RungReader, box: Box): void {
    switch (box.type) {
      case 'ftyp':
        r.ftyp = box;
        return;
      case 'moov': {
        if (!r.ftyp) throw new UprezError('HLS_BAD_FMP4', 'moov before ftyp');
        r.init = parseInit(box);
        const codecs = r.init.tracks.filter((t) => t.kind === 'video' || this.opts.hasAudio).map((t) => t.codec);
        this.opts.session.init(r.rung, Buffer.concat([r.ftyp.bytes, box.bytes]), codecs);
        r.cutter = new PartCutter(r.init, {
          partFrames: this.opts.writer.partFrames,
          fpsNum: this.opts.fpsNum,
          fpsDen: this.opts.fpsDen,
          frameTime: (n) => this.opts.clock.at(n),
        });
        return;
      }
      case 'moof':
        r.moof = box;
        return;
      case 'mdat': {
        if (!r.moof || !r.init || !r.cutter) throw new UprezError('HLS_BAD_FMP4', 'mdat without a moof and an init section');
        const parts = r.cutter.push(parseFragment(r.moof, box, r.init));
        r.moof = null;
        for (const p of parts) this.opts.session.part(r.rung, p);
        return;
      }
      default:
        return; // mfra at the end, free, udta: nothing a player needs
    }
  }

  private finish(r: RungReader): void {
    r.ended = true;
    if (this.failed || !r.cutter) return;
    for (const p of r.cutter.flush()) this.opts.session.part(r.rung, p);
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.opts.onError(message);
  }
}

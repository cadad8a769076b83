/**
 * PartCutter regroups one rung's fMP4 samples (ffmpeg writes a fragment per packet) into LL-HLS
 * parts of `partFrames` whole video frames, each a single moof + mdat with the audio that came
 * with those frames. A keyframe starts a new segment: the part before it ends there, however
 * short. Frame n's wall-clock time (for PROGRAM-DATE-TIME) comes from `frameTime`.
 */
import { isSync, writeFragment, type Sample } from './fmp4-fragment.js';
import type { InitInfo, TrackInfo } from './fmp4-init.js';
import type { LlPart } from './hls-writer.js';

/** PartCutterOptions say how long parts are and how to date them. */
export interface PartCutterOptions {
  readonly partFrames: number;
  readonly fpsNum: number;
  readonly fpsDen: number;
  /** Wall-clock time of video frame n of this encoder (0-based), ms since the epoch. */
  readonly frameTime: (n: number) => number;
}

/** PartCutter turns samples into parts (see the module comment). */
export class PartCutter {
  private readonly video: TrackInfo;
  private readonly audio: TrackInfo | null;
  private readonly nominal: number;
  private frames: Sample[] = [];
  private sound: Sample[] = [];
  private firstFrame = 0;
  private framesSeen = 0;
  private sequence = 1;
  private startsSegment = false;
  /** Audio that came after the last part and before any more video (dropped at the very end). */
  droppedAudio = 0;

  constructor(
    init: InitInfo,
    private readonly opts: PartCutterOptions,
  ) {
    this.video = init.tracks.find((t) => t.kind === 'video') as TrackInfo;
    this.audio = init.tracks.find((t) => t.kind === 'audio') ?? null;
    this.nominal = Math.round((this.video.timescale * opts.fpsDen) / opts.fpsNum);
  }

  /** push takes samples in the order ffmpeg wrote them and returns the parts they completed. */
  push(samples: readonly Sample[]): LlPart[] {
    const out: LlPart[] = [];
    for (let s of samples) {
      if (s.trackId === this.audio?.id) {
        this.sound.push(s);
        continue;
      }
      if (s.trackId !== this.video.id) continue;
      if (this.framesSeen === 0 && s.duration > this.nominal) {
        // ffmpeg stretches the first frame back to 0 by AAC's priming delay: keep it a frame
        // long (it starts where the stretch ends), so the first part is no longer than the rest.
        s = { ...s, dts: s.dts + s.duration - this.nominal, duration: this.nominal };
      }
      if (isSync(s)) {
        if (this.frames.length > 0) out.push(this.cut(true));
        this.startsSegment = true;
      }
      if (this.frames.length === 0) this.firstFrame = this.framesSeen;
      this.frames.push(s);
      this.framesSeen++;
      if (this.frames.length >= this.opts.partFrames) out.push(this.cut(false));
    }
    return out;
  }

  /** flush returns the last, possibly short part at the end of the stream (it ends its segment). */
  flush(): LlPart[] {
    const out = this.frames.length > 0 ? [this.cut(true)] : [];
    this.droppedAudio += this.sound.length;
    this.sound = [];
    return out;
  }

  private cut(endsSegment: boolean): LlPart {
    const frames = this.frames;
    const sound = this.sound;
    this.frames = [];
    this.sound = [];
    const runs = [{ trackId: this.video.id, samples: frames }];
    if (this.audio && sound.length) runs.push({ trackId: this.audio.id, samples: sound });
    const ticks = frames.reduce((n, f) => n + f.duration, 0);
    const part: LlPart = {
      data: writeFragment(this.sequence++, runs),
      duration: ticks / this.video.timescale,
      startsSegment: this.startsSegment,
      endsSegment,
      programDateTime: this.opts.frameTime(this.firstFrame),
    };
    this.startsSegment = false;
    return part;
  }
}
